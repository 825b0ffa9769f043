import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MemberContext } from "@/lib/auth/member";
import { createTestDb, type TestDb } from "@/test-support/db";
import { hostileText } from "@/test-support/hostile";
import { createAdministrator } from "@/test-support/members";
import { userSyncInput } from "./form";
import { createUserSync } from "./service";

// Custom domains are resolved before they are saved: here every name resolves to a public address
// except those under internal.example, which resolve to the cloud metadata address.
vi.mock("node:dns/promises", () => ({
  lookup: async (host: string) => [
    { address: host.endsWith("internal.example") ? "169.254.169.254" : "93.184.215.14", family: 4 },
  ],
}));

let t: TestDb;
let member: MemberContext;

beforeAll(async () => {
  vi.stubEnv("TOKEN_ENCRYPTION_KEYS", `test:${Buffer.alloc(32, 9).toString("base64")}`);
  t = await createTestDb();
  member = await createAdministrator(t.db, { slug: "acme", organizationName: "Acme" });
});
afterAll(() => t.close());

/** What the Okta Workspace form posts, each field sometimes sensible and sometimes hostile. */
const form = fc.record(
  {
    name: fc.oneof(fc.constant("Okta production"), hostileText(120)),
    domain: fc.oneof(
      fc.constantFrom(
        "acme.okta.com",
        "https://acme.okta.com/",
        "sso.acme.example",
        "okta.internal.example",
        "https://2130706433",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "http://localhost:8080",
      ),
      hostileText(320),
    ),
    token: fc.oneof(fc.constant("00abcdefghijklmnopqrstuvwxyz0123456789AB"), hostileText(250)),
    enrollmentType: fc.oneof(fc.constantFrom("TRUST_EMAIL", "ONLY_SYNC"), hostileText(20)),
    uniqueField: fc.oneof(fc.constantFrom("EMAIL", "USERNAME"), hostileText(20)),
    schedule: fc.oneof(fc.constantFrom("OFF", "DAILY"), hostileText(20)),
    safeguardPercent: fc.oneof(fc.constantFrom("20", "1", "100"), hostileText(20)),
    fullSyncEveryHours: fc.oneof(fc.constantFrom("24", "1", "6", "0", "25"), fc.integer(), hostileText(20)),
    alertAfterFailures: fc.oneof(fc.constantFrom("3", "1", "20", "0", "21"), fc.integer(), hostileText(20)),
    alertAfterHours: fc.oneof(fc.constantFrom("24", "1", "168", "0", "169"), fc.integer(), hostileText(20)),
  },
  { requiredKeys: [] },
);

describe("the Okta Workspace form under hostile input", () => {
  it("never throws; what it accepts is bounded and free of control characters", () => {
    fc.assert(
      fc.property(form, (values) => {
        const parsed = userSyncInput.safeParse(values);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) expect(issue.message).toMatch(/\S/);
          return;
        }
        expect(parsed.data.name.length).toBeGreaterThan(0);
        expect(parsed.data.name.length).toBeLessThanOrEqual(80);
        expect(parsed.data.name).not.toMatch(/\p{Cc}/u);
        expect(parsed.data.token).toMatch(/^[\x21-\x7e]{0,200}$/);
        expect(Number.isInteger(parsed.data.safeguardPercent)).toBe(true);
        expect(Number.isInteger(parsed.data.fullSyncEveryHours)).toBe(true);
        expect(parsed.data.fullSyncEveryHours).toBeGreaterThanOrEqual(1);
        expect(parsed.data.fullSyncEveryHours).toBeLessThanOrEqual(24);
        expect(parsed.data.alertAfterFailures).toBeGreaterThanOrEqual(1);
        expect(parsed.data.alertAfterFailures).toBeLessThanOrEqual(20);
        expect(Number.isInteger(parsed.data.alertAfterHours)).toBe(true);
        expect(parsed.data.alertAfterHours).toBeGreaterThanOrEqual(1);
        expect(parsed.data.alertAfterHours).toBeLessThanOrEqual(168);
      }),
      { numRuns: 400 },
    );
  });

  // The numbers a form posts: the safeguard threshold, the full sync interval, the health alerts'.
  const numberOf = (
    field: "safeguardPercent" | "fullSyncEveryHours" | "alertAfterFailures" | "alertAfterHours",
    typed: unknown,
  ) => {
    const parsed = userSyncInput.shape[field].safeParse(typed);
    return parsed.success ? parsed.data : "refused";
  };

  it.each([
    ["safeguardPercent", 20],
    ["fullSyncEveryHours", 24],
    ["alertAfterFailures", 3],
    ["alertAfterHours", 24],
  ] as const)("takes %s only as a decimal whole number (default %i)", (field, byDefault) => {
    expect([
      numberOf(field, "16"),
      numberOf(field, "016"),
      numberOf(field, 16),
      numberOf(field, undefined),
    ]).toEqual([16, 16, 16, byDefault]);
    for (const typed of [
      "0x10",
      "0o20",
      "0b10000",
      "1e1",
      "16.0",
      " 16 ",
      "+16",
      "",
      "1_6",
      "١٦",
      16.5,
      "Infinity",
      null,
      true,
    ])
      expect(numberOf(field, typed), JSON.stringify(typed)).toBe("refused");
  });

  it("takes a full sync interval of 1 to 24 hours only: scheduled runs list everything at least daily", () => {
    expect(["1", "12", "24", 24].map((typed) => numberOf("fullSyncEveryHours", typed))).toEqual([
      1, 12, 24, 24,
    ]);
    for (const typed of ["0", 0, "-1", -1, "25", 25, "48", "168", 2 ** 31, Number.MAX_SAFE_INTEGER + 2])
      expect(numberOf("fullSyncEveryHours", typed), JSON.stringify(typed)).toBe("refused");
    const refused = userSyncInput.safeParse({
      name: "Okta",
      domain: "acme.okta.com",
      token: "",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
      fullSyncEveryHours: "25",
    });
    expect(refused.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([
      [["fullSyncEveryHours"], "Use a value from 1 to 24."],
    ]);
  });

  it("takes health alerts after 1 to 20 failed runs in a row, or 1 to 168 hours without success", () => {
    expect(["1", "20"].map((typed) => numberOf("alertAfterFailures", typed))).toEqual([1, 20]);
    expect(["1", "168"].map((typed) => numberOf("alertAfterHours", typed))).toEqual([1, 168]);
    for (const typed of ["0", "-1", "21", 100]) expect(numberOf("alertAfterFailures", typed)).toBe("refused");
    for (const typed of ["0", "169", 720]) expect(numberOf("alertAfterHours", typed)).toBe("refused");
  });

  it("stores a sync only for a valid, public Okta domain: a refused form leaves no row, no audit event", async () => {
    await fc.assert(
      fc.asyncProperty(form, async (values) => {
        // Names are covered above; each sync here gets a fresh one (names are unique per organization).
        const parsed = userSyncInput.safeParse({ ...values, name: "placeholder" });
        if (!parsed.success) return;
        const before = await Promise.all([t.db.userSync.count(), t.db.auditEvent.count()]);
        const result = await createUserSync(t.db, member, { ...parsed.data, name: `s${before[0]}` });
        const after = await Promise.all([t.db.userSync.count(), t.db.auditEvent.count()]);
        if (!result.ok) {
          expect(Object.values(result.fieldErrors).flat().join(" ")).toMatch(/\S/);
          expect(after).toEqual(before);
          return;
        }
        const row = await t.db.userSync.findUniqueOrThrow({ where: { id: result.id } });
        expect(row.domain).toMatch(/^https:\/\/[a-z0-9.-]+$/);
        expect(row.domain).not.toMatch(/internal\.example|^https:\/\/[\d.]+$/);
        expect(after).toEqual([before[0] + 1, before[1] + 1]);
      }),
      { numRuns: 80 },
    );
  });
});
