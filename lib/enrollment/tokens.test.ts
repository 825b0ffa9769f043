import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createDirectoryUsers, createOrganization, createUserSync } from "@/lib/email/testing/factories";
import { createTestDb, type TestDb } from "@/test-support/db";
import {
  createEnrollmentToken,
  enrollmentUrl,
  hashEnrollmentToken,
  inspectEnrollmentToken,
  redeemEnrollmentToken,
} from "./tokens";

let t: TestDb;
let organizationId: string;
let userSyncId: string;
beforeAll(async () => {
  t = await createTestDb();
  organizationId = (await createOrganization(t.db, { name: "Acme" })).organization.id;
  userSyncId = (await createUserSync(t.db, { organizationId })).id;
});
afterAll(() => t.close());
afterEach(() => vi.unstubAllEnvs());

async function newUser(data: { status?: string } = {}) {
  const [user] = await createDirectoryUsers(t.db, {
    organizationId,
    userSyncId,
    count: 1,
    displayName: "Jane Doe",
    ...data,
  });
  if (!user) throw new Error("no user");
  return user;
}

const HOUR = 3_600_000;

describe("createEnrollmentToken", () => {
  it("returns 32 random bytes in base64url and stores only their SHA-256, expiring in 7 days", async () => {
    const user = await newUser();
    const now = new Date("2026-11-29T10:00:00Z");
    const { token, expiresAt } = await createEnrollmentToken(t.db, user.id, { now });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(expiresAt.getTime() - now.getTime()).toBe(7 * 24 * HOUR);
    const rows = await t.db.enrollmentToken.findMany({ where: { directoryUserId: user.id } });
    expect(rows.map((r) => r.tokenHash)).toEqual([hashEnrollmentToken(token)]);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await createEnrollmentToken(t.db, user.id)).token).not.toBe(token);
  });

  it("takes its lifetime from ENROLLMENT_LINK_TTL_HOURS, and its link from APP_URL", async () => {
    vi.stubEnv("ENROLLMENT_LINK_TTL_HOURS", "48");
    vi.stubEnv("APP_URL", "https://dash.acme.test/");
    const now = new Date();
    const { token, expiresAt } = await createEnrollmentToken(t.db, (await newUser()).id, { now });
    expect(expiresAt.getTime() - now.getTime()).toBe(48 * HOUR);
    expect(enrollmentUrl(token)).toBe(`https://dash.acme.test/enroll/${token}`);
  });
});

describe("inspect and redeem", () => {
  it("a valid link shows the organization and the user, and reading it changes nothing", async () => {
    const user = await newUser();
    const { token, expiresAt } = await createEnrollmentToken(t.db, user.id);
    const link = await inspectEnrollmentToken(t.db, token);
    expect(link).toEqual({
      state: "valid",
      organizationName: "Acme",
      email: user.email,
      name: "Jane Doe",
      expiresAt,
    });
    await inspectEnrollmentToken(t.db, token);
    expect(await t.db.directoryUser.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      enrollmentStatus: "INVITED",
      enrolledAt: null,
    });
  });

  it("redeeming enrols the user, verifies the email and uses the token; the link then reads as used", async () => {
    const user = await newUser();
    const { token } = await createEnrollmentToken(t.db, user.id);
    const now = new Date();
    expect(await redeemEnrollmentToken(t.db, token, now)).toEqual({
      ok: true,
      organizationName: "Acme",
      email: user.email,
    });
    expect(await t.db.directoryUser.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      enrollmentStatus: "ENROLLED",
      enrolledAt: now,
      emailVerified: true,
    });
    expect(
      (await t.db.enrollmentToken.findUniqueOrThrow({ where: { tokenHash: hashEnrollmentToken(token) } }))
        .usedAt,
    ).toEqual(now);
    expect(await inspectEnrollmentToken(t.db, token)).toEqual({ state: "used", organizationName: "Acme" });
  });

  it("a reused link changes nothing", async () => {
    const user = await newUser();
    const { token } = await createEnrollmentToken(t.db, user.id);
    const first = new Date("2026-11-29T10:00:00Z");
    await redeemEnrollmentToken(t.db, token, first);
    const again = await redeemEnrollmentToken(t.db, token, new Date("2026-11-29T11:00:00Z"));
    expect(again).toEqual({ ok: false, link: { state: "used", organizationName: "Acme" } });
    expect((await t.db.directoryUser.findUniqueOrThrow({ where: { id: user.id } })).enrolledAt).toEqual(
      first,
    );
  });

  it("of two concurrent uses exactly one enrols", async () => {
    const user = await newUser();
    const { token } = await createEnrollmentToken(t.db, user.id);
    const results = await Promise.all([
      redeemEnrollmentToken(t.db, token),
      redeemEnrollmentToken(t.db, token),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([
      { ok: false, link: { state: "used", organizationName: "Acme" } },
    ]);
  });

  it("an expired link is refused and changes nothing", async () => {
    const user = await newUser();
    const created = new Date("2026-11-01T10:00:00Z");
    const { token } = await createEnrollmentToken(t.db, user.id, { now: created, ttlHours: 1 });
    const later = new Date(created.getTime() + HOUR);
    expect(await inspectEnrollmentToken(t.db, token, later)).toEqual({
      state: "expired",
      organizationName: "Acme",
    });
    expect(await redeemEnrollmentToken(t.db, token, later)).toEqual({
      ok: false,
      link: { state: "expired", organizationName: "Acme" },
    });
    expect(await t.db.directoryUser.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      enrollmentStatus: "INVITED",
      emailVerified: false,
    });
    expect(
      (await t.db.enrollmentToken.findUniqueOrThrow({ where: { tokenHash: hashEnrollmentToken(token) } }))
        .usedAt,
    ).toBeNull();
  });

  it("an unknown or malformed link reveals nothing", async () => {
    const unknown = Buffer.alloc(32, 7).toString("base64url");
    for (const token of [unknown, "short", `${unknown}x`, "../../etc/passwd"]) {
      expect(await inspectEnrollmentToken(t.db, token)).toEqual({ state: "unknown" });
      expect(await redeemEnrollmentToken(t.db, token)).toEqual({ ok: false, link: { state: "unknown" } });
    }
  });

  it("a user deprovisioned in Okta cannot enrol", async () => {
    const user = await newUser({ status: "DEPROVISIONED" });
    const { token } = await createEnrollmentToken(t.db, user.id);
    expect(await redeemEnrollmentToken(t.db, token)).toEqual({
      ok: false,
      link: { state: "inactive", organizationName: "Acme" },
    });
    expect((await t.db.directoryUser.findUniqueOrThrow({ where: { id: user.id } })).enrollmentStatus).toBe(
      "INVITED",
    );
  });
});
