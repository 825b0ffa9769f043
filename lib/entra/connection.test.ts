import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeEntra, startFakeEntra } from "@/scripts/fake-entra";
import { testEntraConnection } from "./connection";

let fake: FakeEntra;
let secret = "";
beforeAll(async () => {
  fake = await startFakeEntra({ users: 1500, groups: 4, seed: 3 });
  secret = fake.app.secrets[0]?.value ?? "";
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.clearFaults();
  fake.updateApp(fake.app.clientId, {
    permissions: ["User.Read.All", "GroupMember.Read.All"],
    secrets: [{ value: secret, expiresAt: null }],
  });
});

const test = (credentials: Partial<{ tenantId: string; clientId: string; clientSecret: string }> = {}) =>
  testEntraConnection(
    { tenantId: fake.tenantId, clientId: fake.app.clientId, clientSecret: secret, ...credentials },
    { endpoints: { login: fake.url, graph: fake.url }, allowInsecureLocalhost: true },
  );

describe("testEntraConnection", () => {
  it("reads a page of users, groups and a group's members", async () => {
    expect(await test()).toEqual({
      ok: true,
      tenant: fake.tenantId,
      users: { count: 999, more: true },
      groups: { count: 4, more: false },
      members: { readable: true },
    });
    // A verified domain, in any case, is the tenant too.
    expect(await test({ tenantId: ` ${fake.domain.toUpperCase()} ` })).toMatchObject({
      ok: true,
      tenant: fake.domain,
    });
  });

  it.each([
    [{ tenantId: "00000000-0000-4000-8000-000000000000" }, "unknown_tenant", "tenantId"],
    [{ clientId: "22222222-2222-4222-8222-222222222222" }, "unknown_client", "clientId"],
    [{ clientSecret: "not~the.secret_0123456789abcdefghijklm" }, "wrong_secret", "clientSecret"],
  ] as const)("names the field of a refused credential: %o", async (credentials, code, field) => {
    const result = await test(credentials);
    expect(result).toMatchObject({ ok: false, code, field });
  });

  it("says an expired secret and missing permissions on their fields", async () => {
    fake.updateApp(fake.app.clientId, { secrets: [{ value: secret, expiresAt: fake.now() - 1000 }] });
    expect(await test()).toMatchObject({ ok: false, code: "expired_secret", field: "clientSecret" });
    fake.updateApp(fake.app.clientId, { secrets: [{ value: secret, expiresAt: null }], permissions: [] });
    const denied = await test();
    expect(denied).toMatchObject({ ok: false, code: "missing_permission", field: "clientId" });
    expect(denied.ok || denied.message).toMatch(/User\.Read\.All and GroupMember\.Read\.All/);
  });

  it("reports every malformed field at once, sending nothing", async () => {
    fake.clearRequests();
    const result = await testEntraConnection({ tenantId: "a b", clientId: "x", clientSecret: "" });
    expect(result).toMatchObject({ ok: false, code: "invalid_credentials", field: "tenantId" });
    expect(!result.ok && result.problems?.map((p) => p.field)).toEqual([
      "tenantId",
      "clientId",
      "clientSecret",
    ]);
    expect(fake.requests).toHaveLength(0);
  });

  it("answers at once, without retries or waits, when Graph throttles or fails", async () => {
    fake.injectFault({ fault: { kind: "status", status: 429, retryAfter: 30 }, path: "/v1.0/users" });
    expect(await test()).toMatchObject({ ok: false, code: "throttled", field: "tenantId" });
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/v1.0/groups" });
    expect(await test()).toMatchObject({ ok: false, code: "graph_error" });
  });

  it("refuses endpoints other than Microsoft's outside localhost development", async () => {
    const result = await testEntraConnection(
      { tenantId: fake.tenantId, clientId: fake.app.clientId, clientSecret: secret },
      { endpoints: { login: fake.url, graph: fake.url } },
    );
    expect(result).toMatchObject({ ok: false, code: "unreachable" });
  });
});
