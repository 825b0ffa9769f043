// The Okta client signing in as an OAuth service app, against a fake Okta that is as strict as
// Okta's org authorization server (assertion signature, audience, expiry, jti replay; scopes; DPoP
// proofs and nonces) and, for the leak tests, a hostile one that echoes every credential it gets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChangeLogUnavailableError } from "@/lib/directory/types";
import { type FakeOkta, type FakeServiceApp, startFakeOkta, TOKEN_PATH } from "@/scripts/fake-okta";
import { testServiceApp } from "@/test-support/service-app";
import { OktaClient } from "./client";
import { testOktaConnection } from "./connection";
import type { ServiceApp } from "./credentials";
import { OktaApiError, OktaAuthError, retryCannotFix } from "./errors";
import { parseServiceAppKey } from "./service-app-key";
import { leakedFromError, recordingProxy } from "./testing";

let fake: FakeOkta;
beforeAll(async () => {
  fake = await startFakeOkta({ users: 30, groups: 3, seed: 5 });
});
afterAll(() => fake.close());

/** A service app registered with the fake (`over` sets how Okta holds it) and its settings in a sync. */
async function app(over: Partial<FakeServiceApp> = {}, dpop = over.requireDpop ?? true) {
  const made = testServiceApp(over);
  fake.addServiceApp(made.fake);
  const key = await parseServiceAppKey(made.privateKey);
  if (!key.ok) throw new Error(key.message);
  const serviceApp: ServiceApp = { clientId: made.clientId, privateKey: key.key, dpop };
  return { ...made, serviceApp };
}

const client = (serviceApp: ServiceApp, domain = fake.url) =>
  new OktaClient({ domain, serviceApp, allowInsecureLocalhost: true, maxRetries: 0 });

const tokenRequests = () => fake.requests.filter((r) => r.path === TOKEN_PATH);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as Error,
  );

afterEach(() => {
  fake.clearRequests();
  fake.setHostile({ echoToken: false });
});

describe("a service app's access token", () => {
  it("is DPoP-bound through the token endpoint's and the API's nonce challenges, and reads every listing", async () => {
    const { serviceApp } = await app({ resourceDpopNonce: true });
    const okta = client(serviceApp);
    const users = await okta.listUsers(null);
    expect(users.items.length).toBeGreaterThan(0);
    const groups = await okta.listGroups(null);
    await okta.listGroupMembers(groups.items[0]?.externalId ?? "", null);
    const now = new Date();
    await okta.listChanges(null, { since: new Date(now.getTime() - 60_000), until: now });
    // One token: asked, challenged for the nonce, asked again; the API challenged once for its own.
    expect(tokenRequests().map((r) => r.status)).toEqual([400, 200]);
    expect(fake.requests.filter((r) => r.status === 401).map((r) => r.path)).toEqual(["/api/v1/users"]);
    expect(okta.requestCount).toBe(5);
  });

  it("is a Bearer token when the app does not require DPoP", async () => {
    const { serviceApp } = await app({ requireDpop: false, dpopNonce: false });
    await client(serviceApp).listUsers(null);
    expect(tokenRequests().map((r) => r.status)).toEqual([200]);
  });

  it("is asked once for 20 requests at once, and kept in memory for the next client of the same app", async () => {
    const { serviceApp } = await app();
    const issued = fake.accessTokensIssued;
    const okta = client(serviceApp);
    await Promise.all(Array.from({ length: 20 }, () => okta.listUsers(null)));
    await client(serviceApp).listGroups(null);
    expect(fake.accessTokensIssued - issued).toBe(1);
  });

  it("says to check the clock when Okta refuses a DPoP proof as out of date", async () => {
    const own = await startFakeOkta({ users: 3 });
    try {
      const made = testServiceApp();
      own.addServiceApp(made.fake);
      const key = await parseServiceAppKey(made.privateKey);
      if (!key.ok) throw new Error(key.message);
      const okta = client({ clientId: made.clientId, privateKey: key.key, dpop: true }, own.url);
      await okta.listUsers(null);
      // Okta's clock is 50 minutes ahead of this machine's: the token holds, each proof is stale.
      own.advanceClock(3_000_000);
      const error = await failure(okta.listUsers(null));
      expect(error.message).toMatch(/^Okta refused the request's DPoP proof: check that this server's clock/);
      expect(error.message).not.toMatch(/API token/);
    } finally {
      await own.close();
    }
  });

  it("is renewed shortly before it expires, without a request refused", async () => {
    const { serviceApp } = await app();
    fake.setAccessTokenTtl(2);
    try {
      const okta = client(serviceApp);
      await okta.listUsers(null);
      // Renewed a second before its 2 s run out (half its life, for a token this short).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await okta.listUsers(null);
      expect(tokenRequests().filter((r) => r.status === 200)).toHaveLength(2);
      expect(fake.requests.filter((r) => r.status === 401)).toEqual([]);
    } finally {
      fake.setAccessTokenTtl(3600);
    }
  });

  it("is renewed once when Okta refuses it early (revoked), then the refusal stands", async () => {
    const { serviceApp } = await app();
    const okta = client(serviceApp);
    await okta.listUsers(null);
    fake.revokeTokenAfter(0);
    try {
      const error = await failure(okta.listUsers(null));
      expect(error).toBeInstanceOf(OktaApiError);
      expect(error.message).toMatch(/^Okta rejected the service app's access token even when new/);
      expect(retryCannotFix(error)).toBe(true);
      // The refused request, a new token, the request again: no more.
      expect(
        fake.requests
          .filter((r) => r.path === "/api/v1/users")
          .slice(-2)
          .map((r) => r.status),
      ).toEqual([401, 401]);
    } finally {
      fake.revokeTokenAfter(null);
    }
  });
});

describe("what an admin can act on", () => {
  const authError = async (serviceApp: ServiceApp) => {
    const error = await failure(client(serviceApp).listUsers(null));
    expect(error).toBeInstanceOf(OktaAuthError);
    expect(retryCannotFix(error)).toBe(true);
    return error as OktaAuthError;
  };

  it("an unknown client ID, on the Client ID field", async () => {
    const { serviceApp } = await app();
    const error = await authError({ ...serviceApp, clientId: "0oaNoSuchApp00000001" });
    expect(error).toMatchObject({ reason: "unknown_client", field: "clientId" });
    expect(error.message).toMatch(/Okta has no app with this Client ID/);
  });

  it("a key Okta does not hold for the app, on the Private key field", async () => {
    const { serviceApp } = await app();
    const other = await app();
    const error = await authError({ ...serviceApp, privateKey: other.serviceApp.privateKey });
    expect(error).toMatchObject({ reason: "wrong_key", field: "privateKey" });
    expect(error.message).toMatch(/add its public key to the app/);
  });

  it("scopes not granted, on the Client ID field, naming the scopes to grant", async () => {
    const { serviceApp } = await app({ scopes: ["okta.logs.read"] });
    const error = await authError(serviceApp);
    expect(error).toMatchObject({ reason: "missing_scopes", field: "clientId" });
    expect(error.message).toMatch(/grant okta\.users\.read and okta\.groups\.read/);
  });

  it("DPoP required by the app but not turned on here, on the Require DPoP field", async () => {
    const { serviceApp } = await app({ requireDpop: true }, false);
    const error = await authError(serviceApp);
    expect(error).toMatchObject({ reason: "dpop_required", field: "dpop" });
    expect(error.message).toMatch(/requires DPoP.*turn on Require DPoP/);
  });

  it("no admin role: the API's 403 says to assign Read-only Administrator", async () => {
    const { serviceApp } = await app({ adminRole: false });
    const error = await failure(client(serviceApp).listUsers(null));
    expect(error).toMatchObject({ status: 403 });
    expect(error.message).toMatch(/^The service app has no admin role.*Read-only Administrator/);
  });

  it("without okta.logs.read the sync still reads users and groups, and only the System Log is refused", async () => {
    const { serviceApp } = await app({ scopes: ["okta.users.read", "okta.groups.read"] });
    const okta = client(serviceApp);
    await okta.listUsers(null);
    await okta.listGroups(null);
    const now = new Date();
    const error = await failure(
      okta.listChanges(null, { since: new Date(now.getTime() - 60_000), until: now }),
    );
    expect(error).toBeInstanceOf(ChangeLogUnavailableError);
    expect(error.message).toMatch(/okta\.logs\.read/);
  });

  it("Test connection puts each on its field", async () => {
    const test = async (serviceApp: ServiceApp) =>
      testOktaConnection(fake.url, { serviceApp }, { allowInsecureLocalhost: true });
    const good = await app();
    expect(await test(good.serviceApp)).toMatchObject({ ok: true, systemLog: { readable: true } });
    expect(await test({ ...good.serviceApp, clientId: "0oaNoSuchApp00000002" })).toMatchObject({
      ok: false,
      code: "service_app_refused",
      field: "clientId",
    });
    expect(await test((await app({ requireDpop: true }, false)).serviceApp)).toMatchObject({
      ok: false,
      field: "dpop",
    });
    expect(await test((await app({ adminRole: false })).serviceApp)).toMatchObject({
      ok: false,
      code: "missing_permission",
      field: "clientId",
    });
    const noLogs = await app({ scopes: ["okta.users.read", "okta.groups.read"] });
    expect(await test(noLogs.serviceApp)).toMatchObject({
      ok: true,
      systemLog: { readable: false, reason: expect.stringMatching(/okta\.logs\.read/) },
    });
  });
});

describe("a hostile Okta echoing the service app's credentials", () => {
  it("shows no access token, client assertion, DPoP proof or key in any error", async () => {
    const hostile = await startFakeOkta({ users: 3, hostile: { echoToken: true } });
    const proxy = await recordingProxy(hostile.url);
    try {
      const made = testServiceApp({ adminRole: false, resourceDpopNonce: true });
      hostile.addServiceApp(made.fake);
      const key = await parseServiceAppKey(made.privateKey);
      if (!key.ok) throw new Error(key.message);
      const serviceApp = { clientId: made.clientId, privateKey: key.key, dpop: true };
      const errors = [
        // The API's 403 (no admin role) after a token, its nonce challenge and the proofs.
        await failure(client(serviceApp, proxy.url).listUsers(null)),
        // The token endpoint's refusals: a key it does not hold, DPoP off.
        await failure(
          client({ ...serviceApp, privateKey: (await app()).serviceApp.privateKey }, proxy.url).listUsers(
            null,
          ),
        ),
        await failure(client({ ...serviceApp, dpop: false }, proxy.url).listUsers(null)),
      ];
      const secrets = [...new Set(proxy.sent)];
      // Access tokens, assertions and proofs: the client sent some of each.
      expect(secrets.length).toBeGreaterThan(4);
      const d = String(key.key.d);
      for (const error of errors) {
        expect(error).toBeInstanceOf(Error);
        for (const secret of [...secrets, d]) expect(leakedFromError(error, secret)).toEqual([]);
        expect(error.message).not.toMatch(/eyJ[\w-]{10,}/);
      }
    } finally {
      await proxy.close();
      await hostile.close();
    }
  });
});
