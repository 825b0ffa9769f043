import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGoogle, startFakeGoogle } from "@/scripts/fake-google";
import { testGoogleConnection } from "./connection";
import { parseServiceAccountKey } from "./service-account-key";

let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle({ users: 620, groups: 3, seed: 4 });
});
afterAll(() => fake.close());

const test = (over: Partial<Parameters<typeof testGoogleConnection>[0]> = {}) =>
  testGoogleConnection(
    { serviceAccountKey: fake.demoKey, adminEmail: fake.adminEmail, ...over },
    { endpoints: { token: fake.url, api: fake.url }, allowInsecureLocalhost: true },
  );

describe("testGoogleConnection", () => {
  it("reads the first page of users and of groups, and shows whose key it is", async () => {
    const key = parseServiceAccountKey(fake.demoKey);
    expect(await test({ customerId: ` ${fake.customerId} ` })).toEqual({
      ok: true,
      serviceAccount: key.ok ? key.shown : null,
      customerId: fake.customerId,
      users: { count: 500, more: true },
      groups: { count: 3, more: false },
    });
  });

  it("puts each problem on the field that fixes it", async () => {
    const ordinary = fake.directory.users.find((u) => !u.isAdmin && !u.isDelegatedAdmin);
    const undelegated = fake.oauth.createServiceAccount({ delegated: [] });
    const deleted = fake.oauth.createServiceAccount();
    const deletedKey = parseServiceAccountKey(deleted);
    if (deletedKey.ok) fake.oauth.deleteKey(deletedKey.key.privateKeyId);
    const cases = [
      [{ serviceAccountKey: "{}" }, "invalid_key", "serviceAccountKey"],
      [{ serviceAccountKey: deleted }, "key_refused", "serviceAccountKey"],
      [{ serviceAccountKey: undelegated }, "delegation_missing", "serviceAccountKey"],
      [{ adminEmail: "not an email" }, "invalid_admin_email", "adminEmail"],
      [{ adminEmail: "ghost@example.com" }, "unknown_admin", "adminEmail"],
      [{ adminEmail: ordinary?.primaryEmail ?? "" }, "not_admin", "adminEmail"],
      [{ customerId: "acme" }, "invalid_customer_id", "customerId"],
      [{ customerId: "C0other99" }, "unknown_customer", "customerId"],
    ] as const;
    for (const [over, code, field] of cases) {
      expect(await test(over)).toMatchObject({ ok: false, code, field });
    }
  });

  it("answers at once when the quota is used up: no waits, no field to fix", async () => {
    fake.setQuota({ perMinute: 0, retryAfterS: 30 });
    try {
      const started = Date.now();
      expect(await test()).toMatchObject({ ok: false, code: "rate_limited", field: null });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      fake.setQuota({ perMinute: 2400, retryAfterS: null });
    }
  });

  it("refuses endpoints other than Google's outside local development", async () => {
    const result = await testGoogleConnection(
      { serviceAccountKey: fake.demoKey, adminEmail: fake.adminEmail },
      { endpoints: { token: fake.url, api: fake.url } },
    );
    expect(result).toMatchObject({ ok: false, code: "invalid_endpoint", field: null });
  });
});
