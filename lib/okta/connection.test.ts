import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { testOktaConnection } from "./connection";
import { HOSTILE_TOKEN, leakedForms, tinyServer } from "./testing";

let fake: FakeOkta;
beforeAll(async () => {
  fake = await startFakeOkta({ users: 250, groups: 5, frozenClock: true });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.clearFaults();
  fake.setPermissions({ users: true, groups: true });
  fake.setRateLimits({ users: 600 });
  fake.advanceClock(60_000);
});

const dev = { allowInsecureLocalhost: true };

describe("testOktaConnection", () => {
  it("says when the token may not read the System Log, without failing the test", async () => {
    fake.setHostile({ logsForbidden: true });
    try {
      const result = await testOktaConnection(fake.url, { token: fake.token }, dev);
      expect(result).toMatchObject({
        ok: true,
        users: { count: 200, more: true },
        systemLog: { readable: false, reason: expect.stringMatching(/System Log/) },
      });
    } finally {
      fake.setHostile({ logsForbidden: false });
    }
  });

  it("returns the org's identity, what it could count of users, the System Log's access and the rate limits left", async () => {
    const result = await testOktaConnection(`${fake.url}/`, { token: ` ${fake.token} ` }, dev);
    expect(result).toEqual({
      ok: true,
      origin: fake.url,
      organization: { id: fake.orgId, pipeline: "idx", url: fake.url },
      users: { count: 200, more: true },
      systemLog: { readable: true },
      rateLimits: expect.any(Object),
    });
    // One request each in a fresh minute: Okta's budgets, less that request.
    const limits = result.ok ? result.rateLimits : {};
    for (const family of ["users", "groups", "logs"]) {
      expect(limits[family]?.remaining, family).toBe((limits[family]?.limit ?? 0) - 1);
    }
    expect(limits.users?.limit).toBe(600);
    const small = await startFakeOkta({ users: 12, groups: 1 });
    expect(await testOktaConnection(small.url, { token: small.token }, dev)).toMatchObject({
      ok: true,
      users: { count: 12, more: false },
    });
    await small.close();
  });

  it("only reads, and only a little", async () => {
    fake.clearRequests();
    await testOktaConnection(fake.url, { token: fake.token }, dev);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /.well-known/okta-organization",
      "GET /api/v1/users",
      "GET /api/v1/groups",
      "GET /api/v1/logs",
    ]);
    // The log: the last minute's, one page.
    const log = fake.requests.at(-1);
    expect(Date.parse(String(log?.query.until)) - Date.parse(String(log?.query.since))).toBe(60_000);
  });

  it.each([
    ["a wrong domain", "https://acme.okta.com/app/UserHome", "invalid_domain", /without a path/],
    ["plain http without the development flag", "http://127.0.0.1:1", "invalid_domain", /https only/],
  ])("refuses %s", async (_what, domain, code, message) => {
    expect(await testOktaConnection(domain, { token: "t" })).toMatchObject({ ok: false, code, message });
  });

  it("reports a bad token, a missing permission and a used-up rate limit precisely", async () => {
    expect(await testOktaConnection(fake.url, { token: "00wrong" }, dev)).toMatchObject({
      ok: false,
      code: "bad_token",
      message: expect.stringMatching(/Okta rejected the API token/),
    });
    expect(await testOktaConnection(fake.url, { token: "  " }, dev)).toMatchObject({
      ok: false,
      code: "bad_token",
    });
    fake.setPermissions({ groups: false });
    expect(await testOktaConnection(fake.url, { token: fake.token }, dev)).toMatchObject({
      ok: false,
      code: "missing_permission",
      message: expect.stringMatching(/Read-Only Administrator/),
    });
    fake.setPermissions({ groups: true });
    fake.setRateLimits({ users: 0 });
    expect(await testOktaConnection(fake.url, { token: fake.token }, dev)).toMatchObject({
      ok: false,
      code: "rate_limited",
      message: expect.stringMatching(/rate limit/),
    });
  });

  it("reports a timeout", async () => {
    fake.injectFault({ fault: { kind: "hang" }, path: "/api/v1/users" });
    expect(
      await testOktaConnection(fake.url, { token: fake.token }, { ...dev, timeoutMs: 150 }),
    ).toMatchObject({
      ok: false,
      code: "timeout",
      message: expect.stringMatching(/did not answer in time/),
    });
  });

  it("tells a host that is not an Okta org", async () => {
    const site = await tinyServer((_req, res) => {
      res.writeHead(404, { "Content-Type": "text/html" });
      res.end("<h1>Not here</h1>");
    });
    expect(await testOktaConnection(site.url, { token: "t" }, dev)).toMatchObject({
      ok: false,
      code: "not_okta",
      message: expect.stringMatching(/does not answer like an Okta org/),
    });
    await site.close();
  });

  it("reports DNS failures and private addresses", async () => {
    const nowhere = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(
      await testOktaConnection("acme-typo.okta.com", { token: "t" }, { resolve: nowhere }),
    ).toMatchObject({
      ok: false,
      code: "dns",
      message: expect.stringMatching(/could not be found in DNS/),
    });
    expect(
      await testOktaConnection("sso.acme-typo.example", { token: "t" }, { resolve: nowhere }),
    ).toMatchObject({
      ok: false,
      code: "dns",
    });
    const internal = async () => [{ address: "169.254.169.254", family: 4 }];
    expect(await testOktaConnection("sso.acme.example", { token: "t" }, { resolve: internal })).toMatchObject(
      {
        ok: false,
        code: "blocked_address",
        message: expect.stringMatching(/169\.254\.169\.254/),
      },
    );
  });

  it("reports a TLS failure", async () => {
    const dir = new URL("./testdata/", import.meta.url);
    const server = createServer({
      key: readFileSync(new URL("self-signed.key", dir)),
      cert: readFileSync(new URL("self-signed.crt", dir)),
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await testOktaConnection(url, { token: "t" }, dev)).toMatchObject({
      ok: false,
      code: "tls",
      message: expect.stringMatching(/TLS certificate .* is not valid \(DEPTH_ZERO_SELF_SIGNED_CERT\)/),
    });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("never shows the token a hostile Okta echoes in its errors or redirects", async () => {
    const hostile = await startFakeOkta({ users: 3, token: HOSTILE_TOKEN, hostile: { echoToken: true } });
    try {
      const arrangements = [
        () => hostile.revokeTokenAfter(0),
        () => hostile.setPermissions({ groups: false }),
        () => hostile.setRateLimits({ users: 0 }),
        () => hostile.injectFault({ fault: { kind: "redirect" }, path: "/api/v1/users" }),
        () => hostile.injectFault({ fault: { kind: "status", status: 503 }, path: "/api/v1/groups" }),
      ];
      for (const arrange of arrangements) {
        arrange();
        const result = await testOktaConnection(hostile.url, { token: HOSTILE_TOKEN }, dev);
        expect(result.ok).toBe(false);
        expect(leakedForms(JSON.stringify(result), HOSTILE_TOKEN)).toEqual([]);
        hostile.clearFaults();
        hostile.revokeTokenAfter(null);
        hostile.setPermissions({ groups: true });
        hostile.setRateLimits({ users: 600 });
      }
    } finally {
      await hostile.close();
    }
  });
});
