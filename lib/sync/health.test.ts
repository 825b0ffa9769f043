import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Prisma, SyncRunStatus, UserSync } from "@/lib/db";
import type { DirectoryProvider } from "@/lib/directory/types";
import { sendHealthAlert } from "@/lib/email/sync-emails";
import { startResendCapture } from "@/lib/email/testing/resend-capture";
import type { TestDb } from "@/test-support/db";
import {
  detectHealthIncident,
  detectHealthIncidents,
  type HealthFacts,
  isUnhealthy,
  listHealthIncidents,
} from "./health";
import { HOUR, openTestDb, type RunOptions, runSync, syncHarness } from "./testing/fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());
beforeEach(() => {
  vi.stubEnv("RESEND_API_KEY", "");
  vi.stubEnv("APP_URL", "https://dash.acme.test");
});
afterEach(() => vi.unstubAllEnvs());

const NOW = new Date("2026-12-01T12:00:00Z");

describe("isUnhealthy", () => {
  const sync = { schedule: "HOURLY", alertAfterFailures: 3, alertAfterHours: 24, activeRunId: null } as const;
  const facts = (failures: number, hoursWithoutSuccess: number): HealthFacts => ({
    failures,
    lastSuccessAt: null,
    withoutSuccessSince: new Date(NOW.getTime() - hoursWithoutSuccess * HOUR),
    lastFailure: null,
  });

  it("holds after the failed runs in a row, or the hours without success once a run failed", () => {
    expect(isUnhealthy(sync, facts(2, 23), NOW)).toBe(false);
    expect(isUnhealthy(sync, facts(3, 1), NOW)).toBe(true);
    expect(isUnhealthy(sync, facts(1, 24), NOW)).toBe(true);
    // Not succeeded for days, but nothing failed (only cancelled runs, or none): no incident.
    expect(isUnhealthy(sync, facts(0, 100), NOW)).toBe(false);
  });

  it("never for a sync without a schedule, and not by the clock while a run is in progress", () => {
    expect(isUnhealthy({ ...sync, schedule: "OFF" }, facts(5, 100), NOW)).toBe(false);
    expect(isUnhealthy({ ...sync, activeRunId: "run" }, facts(1, 48), NOW)).toBe(false);
    expect(isUnhealthy({ ...sync, activeRunId: "run" }, facts(3, 48), NOW)).toBe(true);
  });
});

/** A scheduled sync of an organization with an Owner, an Administrator and a Member. */
async function scheduledSync(settings: Partial<Prisma.UserSyncUncheckedCreateInput> = {}) {
  const h = await syncHarness(t.db, { settings: { schedule: "HOURLY", ...settings } });
  // Failed runs end at the real time (failRun): the engine's clock keeps to it.
  h.clock.advance(Date.now() - h.clock.now().getTime());
  for (const role of ["OWNER", "ADMINISTRATOR", "MEMBER"] as const) {
    const user = await t.db.user.create({
      data: { email: `${role.toLowerCase()}-${h.sync.id}@acme.test`, name: role },
    });
    await t.db.member.create({ data: { organizationId: h.sync.organizationId, userId: user.id, role } });
  }
  // Every call to Okta fails: a run of these deps ends FAILED as the Inngest function would end it.
  const failing: DirectoryProvider = new Proxy(h.directory, {
    get: (target, key) => {
      const value = Reflect.get(target, key);
      return typeof value === "function"
        ? () => {
            throw new Error("Okta is failing (HTTP 503 on GET /api/v1/users); try again later");
          }
        : value;
    },
  });
  const fail = (options: RunOptions = {}) =>
    runSync({ ...h.deps, provider: failing }, h.sync, { trigger: "SCHEDULED", ...options });
  const succeed = (options: RunOptions = {}) => runSync(h.deps, h.sync, { trigger: "SCHEDULED", ...options });
  return { ...h, fail, succeed };
}

const incidentOf = async (sync: UserSync) =>
  t.db.userSync.findUniqueOrThrow({
    where: { id: sync.id },
    select: { healthIncidentSince: true, healthAlertSentAt: true },
  });

const alertsOf = (sync: UserSync) =>
  t.db.email.findMany({
    where: { template: "sync-health-alert", to: { endsWith: `-${sync.id}@acme.test` } },
  });

/** A detector as the schedule and a failed run call it: detect, then send the alert if one is owed. */
async function detectAndAlert(sync: UserSync, now = new Date()) {
  if (await detectHealthIncident(t.db, sync.id, now)) await sendHealthAlert(t.db, sync.id, now);
}

describe("a health incident", () => {
  it("opens at the third failed run in a row, alerts once, and closes with the next successful run", async () => {
    const h = await scheduledSync();
    await h.succeed();
    for (let i = 0; i < 2; i++) expect((await h.fail()).run.status).toBe("FAILED");
    await detectAndAlert(h.sync);
    expect(await incidentOf(h.sync)).toEqual({ healthIncidentSince: null, healthAlertSentAt: null });
    expect(await alertsOf(h.sync)).toEqual([]);

    await h.fail();
    // Twenty detectors at once (scheduler ticks, failed runs' functions, retried steps): one email each.
    await Promise.all(Array.from({ length: 20 }, () => detectAndAlert(h.sync)));
    const opened = await incidentOf(h.sync);
    expect(opened.healthIncidentSince).not.toBeNull();
    expect(opened.healthAlertSentAt).not.toBeNull();
    const alerts = await alertsOf(h.sync);
    expect(alerts.map((e) => e.to).sort()).toEqual([
      `administrator-${h.sync.id}@acme.test`,
      `owner-${h.sync.id}@acme.test`,
    ]);
    const [alert] = alerts;
    expect(alert?.subject).toMatch(
      /^Action needed: Okta Workspace sync "Okta [0-9a-f]+" is failing \(3 failed runs in a row, no success since /,
    );
    expect(alert?.text).toContain("Okta is failing (HTTP 503 on GET /api/v1/users); try again later");
    expect(alert?.text).toContain(`https://dash.acme.test/user-management/user-sync/${h.sync.id}`);

    // The banners' view of it.
    const [incident] = await listHealthIncidents(t.db, h.sync.organizationId);
    expect(incident).toMatchObject({
      userSyncId: h.sync.id,
      failures: 3,
      since: opened.healthIncidentSince,
      alertSentAt: opened.healthAlertSentAt,
      lastFailure: { error: "Okta is failing (HTTP 503 on GET /api/v1/users); try again later" },
    });
    expect(incident?.lastSuccessAt).not.toBeNull();

    // More failures during the incident: no more emails, the incident stays as it opened.
    await h.fail();
    await h.fail();
    await Promise.all(Array.from({ length: 5 }, () => detectAndAlert(h.sync)));
    await detectHealthIncidents(t.db, new Date(Date.now() + 48 * HOUR));
    expect(await alertsOf(h.sync)).toHaveLength(2);
    expect(await incidentOf(h.sync)).toEqual(opened);
    expect((await listHealthIncidents(t.db, h.sync.organizationId))[0]?.failures).toBe(5);

    // A successful run closes it, in the transaction that ends the run.
    expect((await h.succeed()).run.status).toBe("SUCCEEDED");
    expect(await incidentOf(h.sync)).toEqual({ healthIncidentSince: null, healthAlertSentAt: null });
    expect(await listHealthIncidents(t.db, h.sync.organizationId)).toEqual([]);

    // A new streak is a new incident, with an email of its own.
    for (let i = 0; i < 3; i++) await h.fail();
    await detectAndAlert(h.sync);
    const reopened = await incidentOf(h.sync);
    expect(reopened.healthIncidentSince?.getTime()).toBeGreaterThan(
      opened.healthIncidentSince?.getTime() ?? 0,
    );
    expect(await alertsOf(h.sync)).toHaveLength(4);
  });

  it("is closed by a PARTIAL run (users refused by their data), not by a cancelled one", async () => {
    const h = await scheduledSync({ alertAfterFailures: 1 });
    await h.fail();
    await detectAndAlert(h.sync);
    expect((await incidentOf(h.sync)).healthIncidentSince).not.toBeNull();

    const run = await t.db.syncRun.create({
      data: { organizationId: h.sync.organizationId, userSyncId: h.sync.id, trigger: "MANUAL" },
    });
    await t.db.userSync.update({ where: { id: h.sync.id }, data: { activeRunId: run.id } });
    const { requestCancel } = await import("./run");
    expect(await requestCancel(t.db, run.id, null)).toBe("cancelled");
    expect((await incidentOf(h.sync)).healthIncidentSince).not.toBeNull();

    // Two users share an email: one is refused, the run ends PARTIAL.
    h.directory.putUser({ externalId: "u1", email: "same@acme.test" });
    h.directory.putUser({ externalId: "u2", email: "same@acme.test" });
    expect((await h.succeed()).run.status).toBe("PARTIAL");
    expect((await incidentOf(h.sync)).healthIncidentSince).toBeNull();
  });

  it("is neither opened by failed previews nor closed by a successful one: a preview is not a sync", async () => {
    const h = await scheduledSync({ alertAfterFailures: 2 });
    for (let i = 0; i < 3; i++) expect((await h.fail({ preview: true })).run.status).toBe("FAILED");
    await detectAndAlert(h.sync);
    expect((await incidentOf(h.sync)).healthIncidentSince).toBeNull();

    await h.fail();
    await h.fail();
    await detectAndAlert(h.sync);
    expect((await incidentOf(h.sync)).healthIncidentSince).not.toBeNull();
    expect((await h.succeed({ preview: true })).run.status).toBe("SUCCEEDED");
    expect((await incidentOf(h.sync)).healthIncidentSince).not.toBeNull();
  });

  it("alerts the Owners and Administrators only, and only for syncs on a schedule", async () => {
    const h = await scheduledSync({ schedule: "OFF", alertAfterFailures: 1 });
    await h.fail();
    await detectAndAlert(h.sync);
    expect(await incidentOf(h.sync)).toEqual({ healthIncidentSince: null, healthAlertSentAt: null });
    await t.db.userSync.update({ where: { id: h.sync.id }, data: { schedule: "DAILY" } });
    await detectAndAlert(h.sync);
    expect((await alertsOf(h.sync)).map((e) => e.to).sort()).toEqual([
      `administrator-${h.sync.id}@acme.test`,
      `owner-${h.sync.id}@acme.test`,
    ]);
  });

  it("through Resend, concurrent detectors deliver one email per admin", async () => {
    const resend = await startResendCapture();
    try {
      vi.stubEnv("RESEND_API_KEY", resend.apiKey);
      vi.stubEnv("RESEND_BASE_URL", resend.url);
      vi.stubEnv("RESEND_REQUESTS_PER_SECOND", "100");
      const h = await scheduledSync({ alertAfterFailures: 1 });
      await h.fail();
      await Promise.all(Array.from({ length: 10 }, () => detectAndAlert(h.sync)));
      expect(resend.delivered.flatMap((d) => d.to).sort()).toEqual([
        `administrator-${h.sync.id}@acme.test`,
        `owner-${h.sync.id}@acme.test`,
      ]);
      expect((await alertsOf(h.sync)).map((e) => e.status)).toEqual(["SENT", "SENT"]);
    } finally {
      await resend.close();
    }
  });
});

describe("time without success", () => {
  /** A finished run of the sync, queued `hoursAgo` before NOW and ended a minute later. */
  const runOf = (sync: UserSync, status: SyncRunStatus, hoursAgo: number) =>
    t.db.syncRun.create({
      data: {
        organizationId: sync.organizationId,
        userSyncId: sync.id,
        trigger: "SCHEDULED",
        status,
        queuedAt: new Date(NOW.getTime() - hoursAgo * HOUR),
        startedAt: new Date(NOW.getTime() - hoursAgo * HOUR),
        finishedAt: new Date(NOW.getTime() - hoursAgo * HOUR + 60_000),
      },
    });

  it("opens an incident once the last success is older than the setting and a run has failed since", async () => {
    const { sync } = await scheduledSync({ schedule: "DAILY" });
    await runOf(sync, "SUCCEEDED", 30);
    await runOf(sync, "FAILED", 6);
    expect(await detectHealthIncident(t.db, sync.id, new Date(NOW.getTime() - 7 * HOUR))).toBe(false);
    expect(await detectHealthIncidents(t.db, NOW)).toContain(sync.id);
    expect((await incidentOf(sync)).healthIncidentSince).toEqual(NOW);
  });

  it("counts from the first run of a sync that never succeeded, and never counts a run in progress as a failure", async () => {
    const { sync } = await scheduledSync({ alertAfterHours: 12 });
    await runOf(sync, "CANCELLED", 20);
    await runOf(sync, "CANCELLED", 10);
    // Cancelled runs are no failures; a run in progress is judged when it ends.
    const running = await t.db.syncRun.create({
      data: {
        organizationId: sync.organizationId,
        userSyncId: sync.id,
        trigger: "SCHEDULED",
        status: "RUNNING",
      },
    });
    await t.db.userSync.update({ where: { id: sync.id }, data: { activeRunId: running.id } });
    expect(await detectHealthIncident(t.db, sync.id, NOW)).toBe(false);

    await t.db.syncRun.update({ where: { id: running.id }, data: { status: "FAILED", finishedAt: NOW } });
    await t.db.userSync.update({ where: { id: sync.id }, data: { activeRunId: null } });
    expect(await detectHealthIncident(t.db, sync.id, NOW)).toBe(true);
    expect((await listHealthIncidents(t.db, sync.organizationId, sync.id))[0]).toMatchObject({
      failures: 1,
      lastSuccessAt: null,
      withoutSuccessSince: new Date(NOW.getTime() - 20 * HOUR),
    });
  });

  it("the tick retries an alert whose send failed, and leaves healthy syncs alone", async () => {
    const { sync } = await scheduledSync({ schedule: "OFF" });
    await t.db.userSync.update({ where: { id: sync.id }, data: { healthIncidentSince: NOW } });
    const healthy = await scheduledSync();
    const owed = await detectHealthIncidents(t.db, NOW);
    expect(owed).toContain(sync.id);
    expect(owed).not.toContain(healthy.sync.id);
    await sendHealthAlert(t.db, sync.id, NOW);
    expect(await incidentOf(sync)).toEqual({ healthIncidentSince: NOW, healthAlertSentAt: NOW });
    expect(await detectHealthIncidents(t.db, NOW)).not.toContain(sync.id);
  });
});
