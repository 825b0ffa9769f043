import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Prisma } from "@/lib/db";
import { createTestDb, type TestDb } from "@/test-support/db";
import { RetriableEmailError } from "./send";
import { sendSafeguardAlert, sendSyncReport } from "./sync-emails";
import { createDirectoryUsers, createOrganization, createSyncRun, createUserSync } from "./testing/factories";
import { type ResendCapture, startResendCapture } from "./testing/resend-capture";

let t: TestDb;
let capture: ResendCapture;
let org: Awaited<ReturnType<typeof createOrganization>>;
let sync: Awaited<ReturnType<typeof createUserSync>>;
const [owner, admin, member] = [0, 1, 2];

beforeAll(async () => {
  t = await createTestDb();
  capture = await startResendCapture();
  org = await createOrganization(t.db, {
    name: "Acme",
    members: [
      { email: "olivia@acme.test", name: "Olivia Owner", role: "OWNER" },
      { email: "adam@acme.test", name: "Adam Admin", role: "ADMINISTRATOR" },
      { email: "mia@acme.test", name: "Mia Member", role: "MEMBER" },
    ],
  });
  sync = await createUserSync(t.db, {
    organizationId: org.organization.id,
    name: "Acme Okta",
    createdById: org.users[owner]?.id,
  });
});
afterAll(async () => {
  await capture.close();
  await t.close();
});
beforeEach(() => {
  vi.stubEnv("RESEND_API_KEY", "");
  vi.stubEnv("APP_URL", "https://dash.acme.test");
});
afterEach(() => {
  vi.unstubAllEnvs();
  capture.requests.length = 0;
  capture.delivered.length = 0;
});

const run = (data: Partial<Prisma.SyncRunUncheckedCreateInput> = {}) =>
  createSyncRun(t.db, {
    organizationId: org.organization.id,
    userSyncId: sync.id,
    startedAt: new Date("2026-11-29T09:30:00Z"),
    finishedAt: new Date("2026-11-29T09:32:05Z"),
    ...data,
  });

describe("sendSyncReport", () => {
  it("sends the report of a manual run to the admin who started it, with counts, duration and the run link", async () => {
    const r = await run({
      startedById: org.users[admin]?.id,
      usersCreated: 120,
      usersUpdated: 3,
      usersUnchanged: 40,
      groupsCreated: 2,
      membershipsAdded: 9,
    });
    const email = await sendSyncReport(t.db, r.id);
    expect(email).toMatchObject({
      template: "sync-report",
      to: "adam@acme.test",
      subject: "Okta Workspace sync report: Succeeded — 120 created, 3 updated",
      status: "STORED",
      provider: "outbox",
      organizationId: org.organization.id,
      syncRunId: r.id,
    });
    expect(email?.text).toContain("Okta Workspace · Acme Okta");
    expect(email?.text).toMatch(/Started by\s+Adam Admin \(adam@acme.test\)/);
    expect(email?.text).toMatch(/Duration\s+2 min 5 s/);
    expect(email?.text).toMatch(/Unchanged\s+40\n/);
    expect(email?.text).toMatch(/Memberships added\s+9\n/);
    expect(email?.text).toContain(`https://dash.acme.test/user-management/user-sync/${sync.id}/runs/${r.id}`);
  });

  it("says how the run read Okta: a delta run with the changes it read, a fallback with its reason", async () => {
    const delta = await sendSyncReport(
      t.db,
      (await run({ startedById: org.users[admin]?.id, mode: "INCREMENTAL", logChanges: 1234 })).id,
    );
    expect(delta?.text).toMatch(/How Okta was read\s+Delta \(System Log\)\n/);
    expect(delta?.text).toMatch(/System Log changes read\s+1,234\n/);
    expect(delta?.text).not.toContain("was not used");

    const fallback =
      "Okta did not let this API token read the System Log: its admin needs the okta.logs.read scope or a read-only admin role. Okta answered 403 for SSWS 00secretToken123. This run listed every user and group instead.";
    const full = await sendSyncReport(
      t.db,
      (await run({ startedById: org.users[admin]?.id, mode: "FULL", fallback })).id,
    );
    expect(full?.text).toMatch(/How Okta was read\s+Full\n/);
    expect(full?.text).not.toContain("System Log changes read");
    expect(full?.text).toContain(
      "Okta's System Log was not used. Okta did not let this API token read the System Log: its admin needs the okta.logs.read scope or a read-only admin role.",
    );
    expect(full?.text).toContain("This run listed every user and group instead.");
    expect(`${full?.html}${full?.text}`).not.toContain("00secretToken123");

    const relisted = await sendSyncReport(
      t.db,
      (await run({ trigger: "SCHEDULED", mode: "INCREMENTAL", fallback: "The System Log was refused." })).id,
    );
    expect(relisted?.text).toMatch(/How Okta was read\s+Incremental \(re-listing\)\n/);
    expect(relisted?.text).toContain("Okta's System Log was not used. The System Log was refused.");
  });

  it("links to Needs attention while the sync has Okta users it does not import, and not once they are imported", async () => {
    const other = await createUserSync(t.db, {
      organizationId: org.organization.id,
      createdById: org.users[owner]?.id,
    });
    const otherRun = (data: Partial<Prisma.SyncRunUncheckedCreateInput>) =>
      createSyncRun(t.db, { organizationId: org.organization.id, userSyncId: other.id, ...data });
    const refused = await otherRun({ startedById: org.users[admin]?.id, status: "PARTIAL", usersFailed: 2 });
    const seen = {
      firstSeenRunId: refused.id,
      firstSeenAt: new Date(),
      lastSeenRunId: refused.id,
      lastSeenAt: new Date(),
    };
    await t.db.syncAttention.createMany({
      data: ["00u1", "00u2"].map((externalId) => ({
        userSyncId: other.id,
        externalId,
        code: "NO_UNIQUE_VALUE" as const,
        reason: "No email, the sync's unique field",
        name: externalId,
        ...seen,
      })),
    });
    const url = `https://dash.acme.test/user-management/user-sync/${other.id}/attention`;
    const report = await sendSyncReport(t.db, refused.id);
    expect(report?.text).toContain(
      `2 Okta users of this sync are not imported now (a duplicate Unique field, a missing value or invalid data). See who, why and what fixes it ${url}`,
    );
    expect(report?.html).toContain(`href="${url}"`);

    await t.db.syncAttention.deleteMany({ where: { userSyncId: other.id } });
    const clean = await sendSyncReport(t.db, (await otherRun({ startedById: org.users[admin]?.id })).id);
    expect(`${clean?.text}${clean?.html}`).not.toContain("/attention");
    expect(clean?.text).not.toMatch(/needs attention/i);
  });

  it("sends a scheduled run's report to the sync's owner, once, however often it is called", async () => {
    const r = await run({ trigger: "SCHEDULED", status: "PARTIAL", usersFailed: 1 });
    const first = await sendSyncReport(t.db, r.id);
    const again = await sendSyncReport(t.db, r.id);
    expect(first?.to).toBe("olivia@acme.test");
    expect(again?.id).toBe(first?.id);
    expect(await t.db.email.count({ where: { syncRunId: r.id } })).toBe(1);
  });

  it("lists the first 10 errors with their reasons, never a token", async () => {
    const r = await run({ startedById: org.users[admin]?.id, status: "PARTIAL", usersFailed: 12 });
    await t.db.syncRunItem.createMany({
      data: Array.from({ length: 12 }, (_, i) => ({
        syncRunId: r.id,
        kind: "ERROR" as const,
        userKey: `user${i}@acme.test`,
        reason: i === 0 ? "Okta refused Authorization: SSWS 00secretToken123" : `Invalid data ${i}`,
        createdAt: new Date(Date.UTC(2026, 10, 29, 9, 31, i)),
      })),
    });
    await t.db.syncRunItem.create({ data: { syncRunId: r.id, kind: "CREATED", userKey: "ok@acme.test" } });
    const email = await sendSyncReport(t.db, r.id);
    expect(email?.text).toContain("First 10 of 12 errors");
    expect(email?.text).toContain("user0@acme.test: Okta refused Authorization: SSWS [redacted]");
    expect(email?.text).toContain("user9@acme.test: Invalid data 9");
    expect(email?.text).not.toContain("user10@acme.test");
    expect(email?.html).not.toContain("00secretToken123");
  });

  it("a run blocked at the safeguard and later finished gets a report for each", async () => {
    const r = await run({ startedById: org.users[admin]?.id, status: "BLOCKED", pendingRemovals: 30 });
    const blocked = await sendSyncReport(t.db, r.id);
    expect(blocked?.subject).toContain("Blocked");
    expect(blocked?.text).toContain("Waiting for approval: 30 users would be removed.");
    await t.db.syncRun.update({ where: { id: r.id }, data: { status: "SUCCEEDED", usersDeleted: 30 } });
    const finished = await sendSyncReport(t.db, r.id);
    expect(finished?.subject).toBe(
      "Okta Workspace sync report: Succeeded — 0 created, 0 updated, 30 removed",
    );
    expect(await t.db.email.count({ where: { syncRunId: r.id } })).toBe(2);
  });

  it("refuses a run that has not finished, and sends nothing when no one can receive it", async () => {
    const running = await run({ status: "RUNNING", startedById: org.users[admin]?.id });
    await expect(sendSyncReport(t.db, running.id)).rejects.toThrow(/has not finished/);
    const orphanSync = await createUserSync(t.db, { organizationId: org.organization.id });
    const orphan = await createSyncRun(t.db, {
      organizationId: org.organization.id,
      userSyncId: orphanSync.id,
      trigger: "SCHEDULED",
    });
    expect(await sendSyncReport(t.db, orphan.id)).toBeNull();
    expect(await t.db.email.count({ where: { syncRunId: { in: [running.id, orphan.id] } } })).toBe(0);
  });

  it("sends nothing for a preview, finished or failed: its page is its report", async () => {
    const previews = [
      await run({ status: "PARTIAL", preview: true, startedById: org.users[admin]?.id }),
      await run({ status: "FAILED", preview: true, startedById: org.users[admin]?.id }),
    ];
    for (const preview of previews) expect(await sendSyncReport(t.db, preview.id)).toBeNull();
    expect(await t.db.email.count({ where: { syncRunId: { in: previews.map((p) => p.id) } } })).toBe(0);
  });

  it("through Resend: a 5xx throws for the step to retry, and the retry delivers one report", async () => {
    vi.stubEnv("RESEND_API_KEY", capture.apiKey);
    vi.stubEnv("RESEND_BASE_URL", capture.url);
    const r = await run({ startedById: org.users[admin]?.id });
    capture.failNext({ status: 502 });
    await expect(sendSyncReport(t.db, r.id)).rejects.toBeInstanceOf(RetriableEmailError);
    const email = await sendSyncReport(t.db, r.id);
    await sendSyncReport(t.db, r.id);
    expect(email?.status).toBe("SENT");
    expect(capture.requests.map((q) => q.status)).toEqual([502, 200]);
    expect(capture.delivered.map((d) => d.to)).toEqual(["adam@acme.test"]);
  });
});

describe("sendSafeguardAlert", () => {
  it("alerts every Owner and Administrator, not Members, in one batch, once", async () => {
    vi.stubEnv("RESEND_API_KEY", capture.apiKey);
    vi.stubEnv("RESEND_BASE_URL", capture.url);
    await createDirectoryUsers(t.db, {
      organizationId: org.organization.id,
      userSyncId: sync.id,
      count: 100,
    });
    const r = await run({ status: "BLOCKED", pendingRemovals: 34, startedById: org.users[member]?.id });
    const emails = await sendSafeguardAlert(t.db, r.id);
    await sendSafeguardAlert(t.db, r.id);
    expect(emails.map((e) => [e.to, e.status, e.template])).toEqual([
      ["olivia@acme.test", "SENT", "safeguard-alert"],
      ["adam@acme.test", "SENT", "safeguard-alert"],
    ]);
    expect(capture.requests.map((q) => q.path)).toEqual(["/emails/batch"]);
    const [first] = emails;
    expect(first?.subject).toBe(
      'Action needed: Okta Workspace sync "Acme Okta" would remove 34 users (34% of the users)',
    );
    expect(first?.text).toMatch(/Safeguard threshold\s+20%/);
    expect(first?.text).toContain(
      `https://dash.acme.test/user-management/user-sync/${sync.id}/runs/${r.id}?decision=approve`,
    );
  });

  it("refuses a run that is not blocked", async () => {
    const r = await run({ status: "SUCCEEDED" });
    await expect(sendSafeguardAlert(t.db, r.id)).rejects.toThrow(/not waiting at the safeguard/);
  });
});
