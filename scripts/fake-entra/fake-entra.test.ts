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

  it("generates 100,000 users fast, serves a page and a delta round in time independent of the tenant's size", async () => {
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

      // A delta round reads the journal's 10 changes, not the 100,000 users: count the reads.
      const latest = await fetch(`${big.url}/v1.0/users/delta?$deltatoken=latest&$select=displayName`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      const deltaLink = ((await latest.json()) as { "@odata.deltaLink": string })["@odata.deltaLink"];
      const changed = big.directory.users.slice(500, 510).map((u) => u.id);
      for (const id of changed) big.directory.updateUser(id, { displayName: `Changed ${id}` });
      let reads = 0;
      const users = big.directory.users;
      Object.defineProperty(big.directory, "users", {
        value: new Proxy(users, {
          get: (target, property, receiver) => {
            if (typeof property === "string" && /^\d+$/.test(property)) reads++;
            return Reflect.get(target, property, receiver);
          },
        }),
      });
      const roundStarted = performance.now();
      const round = await fetch(deltaLink, { headers: { Authorization: `Bearer ${token}` } });
      const changes = (await round.json()) as { value: { id: string }[]; "@odata.deltaLink"?: string };
      expect(performance.now() - roundStarted).toBeLessThan(500);
      expect(changes.value.map((u) => u.id).sort()).toEqual(changed.sort());
      expect(changes["@odata.deltaLink"]).toBeDefined();
      expect(reads).toBeLessThan(100);
    } finally {
      await big.close();
    }
  });
});

type Item = Record<string, unknown> & { id: string };
/** Follows a delta round's next links to its delta link, as a syncing client does. */
async function deltaRound(first: string, token: string) {
  const pages: { value: Item[]; nextLink?: string }[] = [];
  let link: string | undefined = first;
  while (link) {
    const { status, body } = await graph(link, token);
    expect(status).toBe(200);
    const nextLink = body["@odata.nextLink"] as string | undefined;
    pages.push({ value: body.value as Item[], nextLink });
    if (!nextLink)
      return { pages, items: pages.flatMap((p) => p.value), deltaLink: body["@odata.deltaLink"] as string };
    link = nextLink;
  }
  throw new Error("unreachable");
}
const byId = (items: Item[]) => Object.fromEntries(items.map((item) => [item.id, item]));

describe("delta queries", () => {
  it("lists every user in pages of 200, then only the changes the $select tracks", async () => {
    const token = await accessToken();
    const round = await deltaRound(`${fake.url}/v1.0/users/delta?$select=displayName,accountEnabled`, token);
    expect(round.pages.map((p) => p.value.length)).toEqual([200, 50]);
    expect(round.pages[0]?.nextLink).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/delta\?\$skiptoken=[\w.-]+$/,
    );
    expect(round.deltaLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/delta\?\$deltatoken=[\w.-]+$/);
    expect(round.items.map((u) => u.id)).toEqual(fake.directory.users.map((u) => u.id));
    expect(Object.keys(round.items[0] ?? {}).sort()).toEqual(["accountEnabled", "displayName", "id"]);

    const [renamed, disabled, deleted, purged, unselected] = fake.directory.users
      .slice(10, 15)
      .map((u) => u.id);
    const hired = fake.directory.createUser({
      userPrincipalName: "delta.hire@contoso.onmicrosoft.com",
      displayName: "Hire",
    });
    fake.directory.updateUser(renamed ?? "", { displayName: "Renamed" });
    fake.directory.updateUser(renamed ?? "", { displayName: "Renamed twice" });
    expect(fake.directory.user(disabled ?? "").accountEnabled).toBe(true);
    fake.directory.updateUser(disabled ?? "", { accountEnabled: false });
    fake.directory.deleteUser(deleted ?? "");
    fake.directory.deleteUser(purged ?? "", true);
    fake.directory.updateUser(unselected ?? "", { jobTitle: "Not tracked" });
    const changes = await deltaRound(round.deltaLink, token);
    expect(changes.items).toHaveLength(5);
    expect(byId(changes.items)).toEqual({
      [hired.id]: { id: hired.id, displayName: "Hire", accountEnabled: true },
      [renamed ?? ""]: expect.objectContaining({ displayName: "Renamed twice" }),
      [disabled ?? ""]: expect.objectContaining({ accountEnabled: false }),
      [deleted ?? ""]: { id: deleted, "@removed": { reason: "changed" } },
      [purged ?? ""]: { id: purged, "@removed": { reason: "deleted" } },
    });
    const quiet = await deltaRound(changes.deltaLink, token);
    expect(quiet.items).toEqual([]);
  });

  it("tracks groups' properties and direct members, nested groups included", async () => {
    const token = await accessToken();
    const [u1, u2] = fake.directory.users.map((u) => u.id);
    const parent = fake.directory.createGroup({ displayName: "Parent" });
    const child = fake.directory.createGroup({ displayName: "Child" });
    fake.directory.addMember(parent.id, child.id);
    fake.directory.addMember(parent.id, u1 ?? "");
    const round = await deltaRound(`${fake.url}/v1.0/groups/delta?$select=displayName,members`, token);
    const initial = byId(round.items);
    expect(Object.keys(initial).sort()).toEqual(fake.directory.groups.map((g) => g.id));
    expect(initial[parent.id]).toEqual({
      id: parent.id,
      displayName: "Parent",
      "members@delta": expect.arrayContaining([
        { "@odata.type": "#microsoft.graph.group", id: child.id },
        { "@odata.type": "#microsoft.graph.user", id: u1 },
      ]),
    });
    expect(initial[child.id]).toEqual({ id: child.id, displayName: "Child" });

    const [renamed, deleted, unselected] = fake.directory.groups.filter((g) => g !== parent && g !== child);
    fake.directory.updateGroup(renamed?.id ?? "", { displayName: "Renamed group" });
    fake.directory.deleteGroup(deleted?.id ?? "");
    fake.directory.updateGroup(unselected?.id ?? "", { description: "Not tracked" });
    fake.directory.addMember(child.id, u2 ?? "");
    fake.directory.removeMember(parent.id, u1 ?? "");
    fake.directory.deleteGroup(child.id);
    const changes = byId((await deltaRound(round.deltaLink, token)).items);
    expect(changes).toEqual({
      [renamed?.id ?? ""]: { id: renamed?.id, displayName: "Renamed group" },
      [deleted?.id ?? ""]: { id: deleted?.id, "@removed": { reason: "changed" } },
      [child.id]: { id: child.id, "@removed": { reason: "changed" } },
      [parent.id]: {
        id: parent.id,
        displayName: "Parent",
        "members@delta": expect.arrayContaining([
          { "@odata.type": "#microsoft.graph.group", id: child.id, "@removed": { reason: "deleted" } },
          { "@odata.type": "#microsoft.graph.user", id: u1, "@removed": { reason: "deleted" } },
        ]),
      },
    });
    expect(changes[parent.id]?.["members@delta"]).toHaveLength(2);
    fake.directory.deleteGroup(parent.id);
  });

  it("starts from now with $deltaToken=latest", async () => {
    const token = await accessToken();
    const latest = await graph("/v1.0/users/delta?$deltaToken=LATEST&$select=mail", token);
    expect(latest.body.value).toEqual([]);
    const user = fake.directory.createUser({
      userPrincipalName: "from.now@contoso.onmicrosoft.com",
      mail: "n@x.test",
    });
    const changes = await deltaRound(latest.body["@odata.deltaLink"] as string, token);
    expect(changes.items).toEqual([{ id: user.id, mail: "n@x.test" }]);
  });

  it("answers 410 Gone to a token older than seven days, forged or forgotten", async () => {
    let token = await accessToken();
    const link = (await graph("/v1.0/users/delta?$deltatoken=latest&$select=displayName", token)).body[
      "@odata.deltaLink"
    ] as string;
    fake.advanceClock(7 * 86_400_000 - 1000);
    token = await accessToken();
    expect((await graph(link, token)).status).toBe(200);
    fake.advanceClock(2000);
    const expired = await graph(link, token);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: "syncStateNotFound" } });
    expect(expired.headers.get("location")).toBe(`${fake.url}/v1.0/users/delta?$select=displayName`);

    const fresh = (await graph("/v1.0/groups/delta?$deltatoken=latest", token)).body[
      "@odata.deltaLink"
    ] as string;
    const deltatoken = new URL(fresh).searchParams.get("$deltatoken") ?? "";
    const [body = "", mac = ""] = deltatoken.split(".");
    const state = JSON.parse(Buffer.from(body, "base64url").toString());
    const altered = Buffer.from(JSON.stringify({ ...state, since: 0 })).toString("base64url");
    for (const forged of [`${altered}.${mac}`, "forged", `${body}.${mac.slice(1)}`]) {
      const refused = await graph(`/v1.0/groups/delta?$deltatoken=${forged}`, token);
      expect(refused.status).toBe(410);
      expect(refused.body).toMatchObject({ error: { code: "syncStateNotFound" } });
    }
    // A groups token is no users token.
    expect((await graph(`/v1.0/users/delta?$deltatoken=${deltatoken}`, token)).status).toBe(410);

    await fetch(`${fake.url}/__admin/forgetDeltaState`, { method: "POST" });
    const forgotten = await graph(fresh, token);
    expect(forgotten.status).toBe(410);
    expect(forgotten.body).toMatchObject({ error: { code: "resyncRequired" } });
    expect(forgotten.headers.get("location")).toBe(`${fake.url}/v1.0/groups/delta`);
  });

  it("refuses $top and other options Graph does not support on delta, and apps without the permission", async () => {
    const token = await accessToken();
    for (const query of [
      "$top=10",
      "$orderby=displayName",
      "$expand=members",
      "$deltatoken=latest&$skiptoken=x",
    ]) {
      const refused = await graph(`/v1.0/users/delta?${query}`, token);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: "Request_UnsupportedQuery" } });
    }
    expect((await graph("/v1.0/users/delta?$select=password", token)).status).toBe(400);
    fake.updateApp(fake.app.clientId, { permissions: ["User.Read.All"] });
    try {
      const limited = await accessToken();
      expect((await graph("/v1.0/users/delta?$deltatoken=latest", limited)).status).toBe(200);
      expect((await graph("/v1.0/groups/delta", limited)).status).toBe(403);
    } finally {
      fake.updateApp(fake.app.clientId, { permissions: ["User.Read.All", "GroupMember.Read.All"] });
    }
  });

  it("lists a group's ancestors at every level, paged, and 404s an unknown group", async () => {
    const token = await accessToken();
    const [top, middle, leaf] = ["Top", "Middle", "Leaf"].map((displayName) =>
      fake.directory.createGroup({ displayName }),
    );
    fake.directory.addMember(top?.id ?? "", middle?.id ?? "");
    fake.directory.addMember(middle?.id ?? "", leaf?.id ?? "");
    const path = `/v1.0/groups/${leaf?.id}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName&$top=1`;
    const first = await graph(path, token);
    expect(first.body.value).toHaveLength(1);
    const second = await graph(first.body["@odata.nextLink"] as string, token);
    expect(second.body["@odata.nextLink"]).toBeUndefined();
    const found = [...(first.body.value as Item[]), ...(second.body.value as Item[])];
    expect(found.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
      [top, middle]
        .map((g) => ({ id: g?.id, displayName: g?.displayName }))
        .sort((a, b) => ((a.id ?? "") < (b.id ?? "") ? -1 : 1)),
    );
    const top2 = await graph(`/v1.0/groups/${top?.id}/transitiveMemberOf/microsoft.graph.group`, token);
    expect(top2.body.value).toEqual([]);
    const missing = await graph(
      "/v1.0/groups/00000000-0000-4000-8000-000000000000/transitiveMemberOf/microsoft.graph.group",
      token,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "Request_ResourceNotFound" } });
    for (const group of [top, middle, leaf]) fake.directory.deleteGroup(group?.id ?? "");
  });
});
