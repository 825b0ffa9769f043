import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeEntra, GRAPH_SCOPE, startFakeEntra } from "@/scripts/fake-entra";

let fake: FakeEntra;
let secret = "";
beforeAll(async () => {
  fake = await startFakeEntra({ users: 250, groups: 8, seed: 4, frozenClock: true });
  secret = fake.app.secrets[0]?.value ?? "";
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.clearFaults();
  fake.setThrottle(null);
  fake.setHostile({ echoSecrets: false });
  fake.clearRequests();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const credentials = () => ({
  grant_type: "client_credentials",
  client_id: fake.app.clientId,
  client_secret: secret,
  scope: GRAPH_SCOPE,
});

async function requestToken(
  fields: Record<string, string> = credentials(),
  tenant = fake.tenantId,
  init: RequestInit = {},
) {
  const response = await fetch(`${fake.url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form(fields),
    ...init,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function graph(path: string, token: string) {
  const response = await fetch(path.startsWith("http") ? path : `${fake.url}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const accessToken = async () => (await requestToken()).body.access_token as string;

describe("the token endpoint", () => {
  it("issues a Bearer token for the tenant's id or its domain", async () => {
    for (const tenant of [fake.tenantId, fake.domain, fake.domain.toUpperCase()]) {
      const { status, body, headers } = await requestToken(credentials(), tenant);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        token_type: "Bearer",
        expires_in: 3599,
        access_token: expect.any(String),
      });
      expect(headers.get("cache-control")).toMatch(/no-store/);
    }
  });

  it.each([
    ["a malformed tenant", {}, "not_a_tenant!", 400, 900023],
    ["an unknown tenant", {}, "00000000-0000-4000-8000-000000000000", 400, 90002],
    ["an unknown app", { client_id: "33333333-3333-4333-8333-333333333333" }, null, 400, 700016],
    ["a wrong secret", { client_secret: "nope-nope-nope" }, null, 401, 7000215],
    ["a missing secret", { client_secret: "" }, null, 400, 7000218],
    ["another grant", { grant_type: "password" }, null, 400, 70003],
    ["another scope", { scope: "User.Read.All" }, null, 400, 1002012],
    ["no grant type", { grant_type: "" }, null, 400, 900144],
  ] as const)(
    "refuses %s with the identity platform's error and AADSTS code",
    async (_, change, tenant, status, code) => {
      const fields = Object.fromEntries(
        Object.entries({ ...credentials(), ...change }).filter(([, v]) => v !== ""),
      );
      const answer = await requestToken(fields, tenant ?? fake.tenantId);
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({
        error: expect.stringMatching(/^[a-z_]+$/),
        error_description: expect.stringMatching(
          new RegExp(`^AADSTS${code}: .+Trace ID: .+Correlation ID: .+Timestamp: `),
        ),
        error_codes: [code],
        trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        timestamp: expect.any(String),
      });
    },
  );

  it("refuses an expired secret, a GET and a JSON body", async () => {
    fake.updateApp(fake.app.clientId, { secrets: [{ value: secret, expiresAt: fake.now() }] });
    expect((await requestToken()).body.error_codes).toEqual([7000222]);
    fake.updateApp(fake.app.clientId, { secrets: [{ value: secret, expiresAt: null }] });
    const get = await fetch(`${fake.url}/${fake.tenantId}/oauth2/v2.0/token`);
    expect(get.status).toBe(400);
    const json = await requestToken(credentials(), fake.tenantId, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(credentials()),
    });
    expect(json.body.error_codes).toEqual([900144]);
    // The token endpoint's requests are logged without their query.
    expect(fake.requests.every((r) => Object.keys(r.query).length === 0)).toBe(true);
  });

  it("lets tokens expire and be revoked", async () => {
    const token = await accessToken();
    expect((await graph("/v1.0/users?$top=1", token)).status).toBe(200);
    fake.advanceClock(3599_000);
    const expired = await graph("/v1.0/users?$top=1", token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const fresh = await accessToken();
    fake.revokeAccessTokens();
    expect((await graph("/v1.0/users?$top=1", fresh)).body).toMatchObject({
      error: { code: "InvalidAuthenticationToken" },
    });
  });
});

describe("Graph's listings", () => {
  it("pages with $top and opaque $skiptoken next links that keep the query", async () => {
    const token = await accessToken();
    const seen: string[] = [];
    let link: string | undefined = `${fake.url}/v1.0/users?$select=id,mail&$top=60`;
    while (link) {
      const { body } = await graph(link, token);
      const value = body.value as { id: string; mail: unknown }[];
      expect(value.length).toBeLessThanOrEqual(60);
      expect(Object.keys(value[0] ?? {}).sort()).toEqual(["id", "mail"]);
      seen.push(...value.map((u) => u.id));
      link = body["@odata.nextLink"] as string | undefined;
      if (link)
        expect(link).toMatch(
          /^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\?\$select=id,mail&\$top=60&\$skiptoken=[\w-]+$/,
        );
    }
    expect(seen).toEqual(fake.directory.users.map((u) => u.id));
    expect(fake.requests).toHaveLength(6); // the token and 5 pages
  });

  it("answers fewer than $top when it likes, and refuses sizes past 999", async () => {
    const small = await startFakeEntra({ users: 30, groups: 1, maxPageSize: 7 });
    try {
      const token = (
        (await (
          await fetch(`${small.url}/${small.tenantId}/oauth2/v2.0/token`, {
            method: "POST",
            body: form({
              ...credentials(),
              client_id: small.app.clientId,
              client_secret: small.app.secrets[0]?.value ?? "",
            }),
          })
        ).json()) as { access_token: string }
      ).access_token;
      const response = await fetch(`${small.url}/v1.0/users?$top=999`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(((await response.json()) as { value: unknown[] }).value).toHaveLength(7);
      const tooBig = await fetch(`${small.url}/v1.0/users?$top=1000`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(tooBig.status).toBe(400);
      const filter = await fetch(`${small.url}/v1.0/users?$filter=x`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(filter.status).toBe(400);
    } finally {
      await small.close();
    }
  });

  it("flattens nested groups into users only, cycles included, and 404s a deleted group", async () => {
    const token = await accessToken();
    const [a, b] = fake.directory.users;
    const outer = fake.directory.createGroup({ displayName: "Outer" });
    const inner = fake.directory.createGroup({ displayName: "Inner" });
    fake.directory.addMember(outer.id, a?.id ?? "");
    fake.directory.addMember(outer.id, inner.id);
    fake.directory.addMember(inner.id, b?.id ?? "");
    fake.directory.addMember(inner.id, outer.id);
    const { body } = await graph(
      `/v1.0/groups/${outer.id}/transitiveMembers/microsoft.graph.user?$select=id`,
      token,
    );
    expect((body.value as { id: string }[]).map((u) => u.id)).toEqual([a?.id, b?.id].sort());
    fake.directory.deleteGroup(outer.id);
    fake.directory.deleteGroup(inner.id);
    const gone = await graph(`/v1.0/groups/${outer.id}/transitiveMembers/microsoft.graph.user`, token);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: { code: "Request_ResourceNotFound" } });
  });

  it("denies what the app's permissions do not cover", async () => {
    fake.updateApp(fake.app.clientId, { permissions: ["User.Read.All"] });
    try {
      const token = await accessToken();
      expect((await graph("/v1.0/users", token)).status).toBe(200);
      const denied = await graph("/v1.0/groups", token);
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({
        error: {
          code: "Authorization_RequestDenied",
          message: "Insufficient privileges to complete the operation.",
        },
      });
    } finally {
      fake.updateApp(fake.app.clientId, { permissions: ["User.Read.All", "GroupMember.Read.All"] });
    }
  });

  it("throttles each app per window with Retry-After", async () => {
    const token = await accessToken();
    fake.setThrottle({ requests: 2, windowMs: 10_000 });
    fake.advanceClock(10_000 - (fake.now() % 10_000) + 4000);
    expect((await graph("/v1.0/users?$top=1", token)).status).toBe(200);
    expect((await graph("/v1.0/users?$top=1", token)).status).toBe(200);
    const throttled = await graph("/v1.0/users?$top=1", token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("6");
    expect(throttled.body).toMatchObject({ error: { code: "TooManyRequests" } });
    fake.advanceClock(6000);
    expect((await graph("/v1.0/users?$top=1", token)).status).toBe(200);
  });
});

describe("the admin API and hostility", () => {
  it("changes the tenant over HTTP and lists its requests without headers or bodies", async () => {
    const admin = async (command: string, ...args: unknown[]) => {
      const response = await fetch(`${fake.url}/__admin/${command}`, {
        method: "POST",
        body: JSON.stringify(args),
      });
      return {
        status: response.status,
        body: (await response.json()) as { result?: unknown; error?: string },
      };
    };
    const created = await admin("createUser", {
      userPrincipalName: "new.hire@contoso.onmicrosoft.com",
      givenName: "New",
    });
    const user = created.body.result as { id: string };
    const group = (await admin("createGroup", { displayName: "Admins", groupTypes: ["Unified"] })).body
      .result as { id: string };
    expect((await admin("addMember", group.id, user.id)).status).toBe(200);
    expect(fake.directory.transitiveUsers(group.id)).toEqual([user.id]);
    expect((await admin("addMember", group.id, "nobody")).status).toBe(404);
    expect((await admin("noSuchCommand")).status).toBe(404);
    await admin("deleteUser", user.id);
    await admin("deleteGroup", group.id);
    await graph("/v1.0/users?$top=1", await accessToken());
    const requests = (await (await fetch(`${fake.url}/__admin/requests`)).json()) as Record<
      string,
      unknown
    >[];
    expect(requests.map((r) => r.path)).toEqual([`/${fake.tenantId}/oauth2/v2.0/token`, "/v1.0/users"]);
    expect(JSON.stringify(requests)).not.toContain(secret);
    const state = (await (await fetch(`${fake.url}/__admin/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ tenantId: fake.tenantId, users: 250, groups: 8 });
  });

  it("echoes every credential in error bodies and headers when hostile", async () => {
    const token = await accessToken();
    fake.setHostile({ echoSecrets: true });
    const wrong = "Hostile~Secret.with+plus/slash=";
    const refused = await requestToken({ ...credentials(), client_secret: wrong });
    const text = JSON.stringify(refused.body);
    for (const form of [wrong, encodeURIComponent(wrong), Buffer.from(wrong).toString("base64")]) {
      expect(text).toContain(form);
    }
    expect(refused.headers.get("www-authenticate")).toContain(encodeURIComponent(wrong));
    fake.injectFault({ fault: { kind: "status", status: 500 } });
    const failed = await graph("/v1.0/users", token);
    expect(JSON.stringify(failed.body)).toContain(token);
    expect(failed.headers.get("x-echo")).toContain(Buffer.from(token).toString("base64url"));
  });

  it("generates 100,000 users fast and serves a page in time independent of the tenant's size", async () => {
    // CPU time rather than the wall clock's: other processes sharing the machine do not count.
    const cpu = process.cpuUsage();
    const big = await startFakeEntra({ users: 100_000, groups: 50, seed: 2 });
    try {
      const { user, system } = process.cpuUsage(cpu);
      expect(big.directory.membershipCount()).toBeGreaterThan(290_000);
      // About two seconds on an idle machine (the garbage collector's threads count too).
      expect((user + system) / 1000).toBeLessThan(8000);
      const token = (
        (await (
          await fetch(`${big.url}/${big.tenantId}/oauth2/v2.0/token`, {
            method: "POST",
            body: form({
              ...credentials(),
              client_id: big.app.clientId,
              client_secret: big.app.secrets[0]?.value ?? "",
            }),
          })
        ).json()) as { access_token: string }
      ).access_token;
      const last = big.directory.users.at(-1000)?.id ?? "";
      const skiptoken = Buffer.from(`users\n${last}`).toString("base64url");
      const pageStarted = performance.now();
      const response = await fetch(`${big.url}/v1.0/users?$select=id&$top=999&$skiptoken=${skiptoken}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { value: { id: string }[]; "@odata.nextLink"?: string };
      expect(performance.now() - pageStarted).toBeLessThan(2000);
      expect(body.value).toHaveLength(999);
      expect(body["@odata.nextLink"]).toBeUndefined();
    } finally {
      await big.close();
    }
  });
});
