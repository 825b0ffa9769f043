import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { inspectEnrollmentToken } from "@/lib/enrollment/tokens";
import { createTestDb, type TestDb } from "@/test-support/db";
import { sendEnrollmentInvitations } from "./enrollment-invitations";
import { RetriableEmailError } from "./send";
import { createDirectoryUsers, createOrganization, createUserSync } from "./testing/factories";
import { type ResendCapture, startResendCapture } from "./testing/resend-capture";

let t: TestDb;
let capture: ResendCapture;
let organizationId: string;

beforeAll(async () => {
  t = await createTestDb();
  capture = await startResendCapture();
  organizationId = (await createOrganization(t.db, { name: "Acme" })).organization.id;
});
afterAll(async () => {
  await capture.close();
  await t.close();
});
beforeEach(() => vi.stubEnv("APP_URL", "https://dash.acme.test"));
afterEach(() => {
  vi.unstubAllEnvs();
  capture.requests.length = 0;
  capture.delivered.length = 0;
});

function useResend() {
  vi.stubEnv("RESEND_API_KEY", capture.apiKey);
  vi.stubEnv("RESEND_BASE_URL", capture.url);
}

async function syncWithNewUsers(count: number, enrollmentType = "SEND_ENROLLMENT_EMAIL" as const) {
  const sync = await createUserSync(t.db, { organizationId, enrollmentType });
  const users = await createDirectoryUsers(t.db, { organizationId, userSyncId: sync.id, count });
  return { sync, users };
}

const invitedCount = (userSyncId: string) =>
  t.db.directoryUser.count({ where: { userSyncId, invitedAt: { not: null } } });

const batchSizes = () => capture.requests.map((r) => (Array.isArray(r.body) ? r.body.length : 0));

describe("sendEnrollmentInvitations through Resend", () => {
  it("invites 250 new users in 3 batch requests of at most 100, paced at least 500 ms apart", async () => {
    useResend();
    const { sync, users } = await syncWithNewUsers(250);
    const result = await sendEnrollmentInvitations(t.db, sync.id);
    expect(result).toEqual({ sent: 250, remaining: false });
    expect(capture.requests.map((r) => r.path)).toEqual(["/emails/batch", "/emails/batch", "/emails/batch"]);
    expect(batchSizes()).toEqual([100, 100, 50]);
    const times = capture.requests.map((r) => r.at);
    // Spaced 500 ms apart when sent; arrival times at the capture server may jitter by a few ms.
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(450);
    expect(new Set(capture.delivered.map((d) => d.to))).toEqual(new Set(users.map((u) => u.email)));
    expect(capture.delivered).toHaveLength(250);
    expect(await invitedCount(sync.id)).toBe(250);
    expect(
      await t.db.email.count({ where: { directoryUser: { userSyncId: sync.id }, status: "SENT" } }),
    ).toBe(250);
    expect(await t.db.enrollmentToken.count({ where: { directoryUser: { userSyncId: sync.id } } })).toBe(250);

    // Once per user: the next call (a later step, or the next sync) has no one left to invite.
    capture.requests.length = 0;
    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 0, remaining: false });
    expect(capture.requests).toHaveLength(0);
  });

  it("invites no one deprovisioned before their invitation went out", async () => {
    useResend();
    const { sync, users } = await syncWithNewUsers(2);
    await t.db.directoryUser.updateMany({
      where: { id: users[0]?.id },
      data: { status: "DEPROVISIONED" },
    });
    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 1, remaining: false });
    expect(capture.delivered.map((d) => d.to)).toEqual([users[1]?.email]);
  });

  it("sends at most `limit` per call and says more remain, so an Inngest function loops in steps", async () => {
    useResend();
    const { sync } = await syncWithNewUsers(150);
    expect(await sendEnrollmentInvitations(t.db, sync.id, { limit: 100 })).toEqual({
      sent: 100,
      remaining: true,
    });
    expect(await sendEnrollmentInvitations(t.db, sync.id, { limit: 100 })).toEqual({
      sent: 50,
      remaining: false,
    });
    expect(batchSizes()).toEqual([100, 50]);
  });

  it("a step that failed on a 5xx is retried: the failed batch goes again with the same links and key, nobody gets two", async () => {
    useResend();
    const { sync } = await syncWithNewUsers(230);
    capture.failNext({ status: 429, retryAfter: "1" }); // waited out inside the call
    await sendEnrollmentInvitations(t.db, sync.id, { limit: 100 });
    capture.failNext({ status: 500 });
    await expect(sendEnrollmentInvitations(t.db, sync.id)).rejects.toBeInstanceOf(RetriableEmailError);
    expect(await invitedCount(sync.id)).toBe(100);
    const tokens = () => t.db.enrollmentToken.count({ where: { directoryUser: { userSyncId: sync.id } } });
    expect(await tokens()).toBe(200);
    const failedKey = capture.requests.at(-1)?.headers["idempotency-key"];

    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 130, remaining: false });
    expect(capture.requests.map((r) => r.status)).toEqual([429, 200, 500, 200, 200]);
    expect(capture.requests[3]?.headers["idempotency-key"]).toBe(failedKey);
    expect(batchSizes()).toEqual([100, 100, 100, 100, 30]);
    expect(capture.delivered).toHaveLength(230);
    expect(new Set(capture.delivered.map((d) => d.to)).size).toBe(230);
    // New links only for the 30 never attempted: the retried 100 kept the links their emails carry.
    expect(await tokens()).toBe(230);
    expect(await invitedCount(sync.id)).toBe(230);
  });

  it("a permanently refused batch is recorded FAILED and not retried by later calls", async () => {
    vi.stubEnv("RESEND_API_KEY", "re_revoked_key_1234");
    vi.stubEnv("RESEND_BASE_URL", capture.url);
    const { sync } = await syncWithNewUsers(3);
    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 0, remaining: false });
    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 0, remaining: false });
    expect(capture.requests).toHaveLength(1);
    expect(
      await t.db.email.count({ where: { directoryUser: { userSyncId: sync.id }, status: "FAILED" } }),
    ).toBe(3);
    expect(await invitedCount(sync.id)).toBe(0);
  });
});

describe("sendEnrollmentInvitations to the outbox", () => {
  it("stores one invitation per user whose link opens that user's enrollment", async () => {
    const { sync, users } = await syncWithNewUsers(2);
    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 2, remaining: false });
    const emails = await t.db.email.findMany({ where: { directoryUser: { userSyncId: sync.id } } });
    expect(emails).toHaveLength(2);
    for (const user of users) {
      const email = emails.find((e) => e.directoryUserId === user.id);
      expect(email).toMatchObject({
        template: "enrollment-invitation",
        to: user.email,
        subject: "You're invited to join Acme",
        status: "STORED",
        provider: "outbox",
        organizationId,
      });
      const token = email?.text.match(/https:\/\/dash\.acme\.test\/enroll\/([\w-]{43})/)?.[1] ?? "";
      expect(await inspectEnrollmentToken(t.db, token)).toMatchObject({ state: "valid", email: user.email });
    }
    expect(capture.requests).toHaveLength(0);
  });

  it("invites only new users with an email, and nobody when the sync does not send enrollment emails", async () => {
    const { sync } = await syncWithNewUsers(1);
    const base = { organizationId, userSyncId: sync.id, count: 1 };
    await createDirectoryUsers(t.db, { ...base, email: null });
    await createDirectoryUsers(t.db, { ...base, invitedAt: new Date() });
    await createDirectoryUsers(t.db, { ...base, enrollmentStatus: "NONE" });
    await createDirectoryUsers(t.db, { ...base, enrollmentStatus: "ENROLLED" });
    expect(await sendEnrollmentInvitations(t.db, sync.id)).toEqual({ sent: 1, remaining: false });

    const trusted = await syncWithNewUsers(2, "TRUST_EMAIL" as "SEND_ENROLLMENT_EMAIL");
    expect(await sendEnrollmentInvitations(t.db, trusted.sync.id)).toEqual({ sent: 0, remaining: false });
    expect(await t.db.email.count({ where: { directoryUser: { userSyncId: trusted.sync.id } } })).toBe(0);
  });
});
