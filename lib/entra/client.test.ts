import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ChangeLogUnavailableError,
  GroupGoneError,
  isPermanentFailure,
  type Page,
} from "@/lib/directory/types";
import { pages } from "@/lib/okta/client";
import { leakedFromError, recordingProxy, tinyServer, virtualTime } from "@/lib/okta/testing";
import { type FakeEntra, startFakeEntra } from "@/scripts/fake-entra";
import { ENTRA_ENDPOINTS, EntraClient, type EntraClientOptions } from "./client";
import {
  EntraApiError,
  EntraAuthError,
  EntraConnectionError,
  EntraResponseError,
  EntraWaitRefusedError,
} from "./errors";

let fake: FakeEntra;
let time: ReturnType<typeof entraTime>;
const DAY = 86_400_000;

/** Virtual time that moves the fake's clock too, so Retry-After and token expiry take no real time. */
function entraTime(target: FakeEntra) {
  const time = virtualTime();
  return {
    ...time,
    sleep: async (ms: number) => {
      await time.sleep(ms);
      target.advanceClock(ms);
    },
  };
}

beforeAll(async () => {
  fake = await startFakeEntra({ users: 1234, groups: 12, seed: 7, frozenClock: true, maxPageSize: 100 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.clearFaults();
  fake.setThrottle(null);
  fake.setHostile({ echoSecrets: false });
  fake.updateApp(fake.app.clientId, {
    permissions: ["User.Read.All", "GroupMember.Read.All"],
    secrets: [{ value: secret, expiresAt: fake.now() + 365 * DAY }],
  });
  fake.revokeAccessTokens();
  fake.clearRequests();
  time = entraTime(fake);
});
let secret = "";
beforeAll(() => {
  secret = fake.app.secrets[0]?.value ?? "";
});

const client = (options: Partial<EntraClientOptions> = {}) =>
  new EntraClient({
    tenantId: fake.tenantId,
    clientId: fake.app.clientId,
    clientSecret: secret,
    endpoints: { login: fake.url, graph: fake.url },
    allowInsecureLocalhost: true,
    ...time,
    ...options,
  });

async function collect<T>(list: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>) {
  const items: T[] = [];
  for await (const page of pages(list)) items.push(...page);
  return items;
}

const graphRequests = () => fake.requests.filter((r) => r.path.startsWith("/v1.0/"));
const tokenRequests = () => fake.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("listings", () => {
  it("lists every user across many pages, asking for 999 with the selected properties", async () => {
    const entra = client();
    const users = await collect((cursor) => entra.listUsers(cursor));
    expect(users.map((u) => u.externalId)).toEqual(fake.directory.users.map((u) => u.id));
    // Graph answered fewer than asked (100 a page): the next links carried on.
    expect(entra.requestCount).toBe(Math.ceil(1234 / 100));
    const [first, second] = graphRequests();
    expect(first?.query).toEqual({
      $select: "id,displayName,givenName,surname,mail,userPrincipalName,accountEnabled,createdDateTime",
      $top: "999",
    });
    expect(second?.query.$skiptoken).toBeTruthy();
    expect(tokenRequests()).toHaveLength(1);
  });

  it("maps guests, users without a mailbox and disabled accounts", async () => {
    const users = await collect((cursor) => client().listUsers(cursor));
    const byId = new Map(users.map((u) => [u.externalId, u]));
    const guest = fake.directory.users.find((u) => u.userPrincipalName.includes("#EXT#"));
    const noMail = fake.directory.users.find((u) => u.mail === null);
    const disabled = fake.directory.users.find((u) => !u.accountEnabled);
    expect(byId.get(guest?.id ?? "")).toMatchObject({
      username: guest?.userPrincipalName,
      email: guest?.mail,
    });
    expect(byId.get(noMail?.id ?? "")).toMatchObject({ email: null, status: "ACTIVE" });
    expect(byId.get(disabled?.id ?? "")?.status).toBe("SUSPENDED");
    const source = fake.directory.users[0];
    expect(byId.get(source?.id ?? "")).toMatchObject({
      firstName: source?.givenName,
      lastName: source?.surname,
      displayName: source?.displayName,
      // Graph's times have whole seconds.
      createdAt: new Date(Math.floor((source?.createdDateTime ?? 0) / 1000) * 1000),
      updatedAt: null,
    });
  });

  it("strips invisible controls from names, keeping Graph's text in the profile", async () => {
    const user = fake.directory.createUser({
      userPrincipalName: "rtl@contoso.onmicrosoft.com",
      givenName: "Ad\u202emin",
    });
    try {
      const users = await collect((cursor) => client().listUsers(cursor));
      const person = users.find((u) => u.externalId === user.id);
      expect(person?.firstName).toBe("Admin");
      expect(person?.profile.givenName).toBe("Ad\u202emin");
    } finally {
      fake.directory.deleteUser(user.id);
    }
  });

  it("lists groups with their kind: Microsoft 365, Security or Distribution", async () => {
    const groups = await collect((cursor) => client().listGroups(cursor));
    expect(groups.map((g) => g.externalId)).toEqual(fake.directory.groups.map((g) => g.id));
    for (const group of fake.directory.groups) {
      const listed = groups.find((g) => g.externalId === group.id);
      const expected = group.groupTypes.includes("Unified")
        ? "Microsoft 365"
        : group.mailEnabled && !group.securityEnabled
          ? "Distribution"
          : "Security";
      expect(listed).toMatchObject({ name: group.displayName, type: expected, memberCount: null });
    }
    expect(new Set(groups.map((g) => g.type))).toEqual(
      new Set(["Microsoft 365", "Security", "Distribution"]),
    );
  });

  it("lists a group's users at every level of nesting, across pages", async () => {
    const [parent, child] = fake.directory.groups;
    const grandchild = fake.directory.createGroup({ displayName: "Nested deep" });
    const deepUser = fake.directory.users.at(-1)?.id ?? "";
    try {
      fake.directory.addMember(child?.id ?? "", grandchild.id);
      fake.directory.addMember(grandchild.id, deepUser);
      fake.directory.addMember(grandchild.id, parent?.id ?? ""); // a cycle, as Entra allows
      const entra = client();
      const members = await collect((cursor) => entra.listGroupMembers(parent?.id ?? "", cursor));
      expect(members).toEqual(fake.directory.transitiveUsers(parent?.id ?? ""));
      expect(members).toContain(deepUser);
      expect(new Set(members).size).toBe(members.length);
      expect(members.length).toBeGreaterThan(100);
      expect(graphRequests()[0]?.path).toBe(
        `/v1.0/groups/${parent?.id}/transitiveMembers/microsoft.graph.user`,
      );
      expect(graphRequests()[0]?.query).toEqual({ $select: "id", $top: "999" });
    } finally {
      fake.directory.deleteGroup(grandchild.id);
    }
  });

  it("says GroupGoneError for a group deleted after it was listed, and for an id no group has", async () => {
    const group = fake.directory.createGroup({ displayName: "Short-lived" });
    const entra = client();
    fake.directory.deleteGroup(group.id);
    expect(await rejection(entra.listGroupMembers(group.id, null))).toBeInstanceOf(GroupGoneError);
    const sent = graphRequests().length;
    expect(await rejection(entra.listGroupMembers("../users", null))).toBeInstanceOf(GroupGoneError);
    expect(graphRequests()).toHaveLength(sent);
  });
});

describe("pacing", () => {
  it("keeps at most `concurrency` requests in flight", async () => {
    const entra = client({ concurrency: 2 });
    await entra.listUsers(null);
    fake.maxInFlight = 0;
    fake.injectFault({ fault: { kind: "delay", ms: 30 }, path: "/v1.0/", times: 8 });
    const groups = fake.directory.groups.slice(0, 8);
    await Promise.all(groups.map((g) => entra.listGroupMembers(g.id, null)));
    expect(fake.maxInFlight).toBe(2);
    expect(() => client({ concurrency: 5 })).toThrow(RangeError);
    expect(() => client({ concurrency: 0 })).toThrow(RangeError);
  });

  it("lists everything whatever updatedSince says (its change feed is Graph's delta queries)", async () => {
    const page = await client().listUsers(null, { updatedSince: new Date() });
    expect(page.items).toHaveLength(100);
    expect(graphRequests()[0]?.query).not.toHaveProperty("$filter");
  });
});

describe("tokens", () => {
  it("asks one token for concurrent requests and keeps it across pages", async () => {
    const entra = client({ concurrency: 4 });
    await Promise.all([
      collect((cursor) => entra.listUsers(cursor)),
      collect((cursor) => entra.listGroups(cursor)),
      entra.listGroupMembers(fake.directory.groups[0]?.id ?? "", null),
    ]);
    expect(tokenRequests()).toHaveLength(1);
    expect(fake.accessTokensIssued).toBeGreaterThan(0);
  });

  it("renews the token shortly before it expires", async () => {
    const entra = client();
    await entra.listUsers(null);
    await time.sleep(3599_000 - 5 * 60_000 - 1000);
    await entra.listUsers(null);
    expect(tokenRequests()).toHaveLength(1);
    await time.sleep(2000);
    await entra.listUsers(null);
    expect(tokenRequests()).toHaveLength(2);
  });

  it("renews a revoked token once, and fails permanently when Graph refuses the new one", async () => {
    const entra = client();
    await entra.listUsers(null);
    fake.revokeAccessTokens();
    await entra.listUsers(null);
    expect(tokenRequests()).toHaveLength(2);
    fake.injectFault({ fault: { kind: "status", status: 401 }, path: "/v1.0/", times: 2 });
    const error = await rejection(entra.listUsers(null));
    expect(error).toBeInstanceOf(EntraApiError);
    expect(error).toMatchObject({ status: 401, permanent: true });
    expect(tokenRequests()).toHaveLength(3);
  });

  it.each([
    [
      "an unknown tenant id",
      { tenantId: "00000000-0000-4000-8000-000000000000" },
      "tenantId",
      "unknown_tenant",
    ],
    ["an unknown tenant domain", { tenantId: "fabrikam.onmicrosoft.com" }, "tenantId", "unknown_tenant"],
    [
      "an app the tenant does not have",
      { clientId: "11111111-1111-4111-8111-111111111111" },
      "clientId",
      "unknown_client",
    ],
    [
      "a wrong secret",
      { clientSecret: "Wrong~Secret.Value_0123456789abcdefghij" },
      "clientSecret",
      "wrong_secret",
    ],
  ] as const)("maps %s to its field, permanently", async (_, credentials, field, reason) => {
    const error = await rejection(client(credentials).listUsers(null));
    expect(error).toBeInstanceOf(EntraAuthError);
    expect(error).toMatchObject({ field, reason, permanent: true });
    expect(isPermanentFailure(error)).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(graphRequests()).toHaveLength(0);
  });

  it("says an expired secret is to be renewed", async () => {
    fake.updateApp(fake.app.clientId, { secrets: [{ value: secret, expiresAt: fake.now() - 1 }] });
    const error = await rejection(client().listUsers(null));
    expect(error).toMatchObject({ field: "clientSecret", reason: "expired_secret", permanent: true });
    expect(error.message).toMatch(/AADSTS7000222/);
  });

  it("refuses credentials of the wrong shape before sending anything, on their fields", () => {
    for (const [credentials, field] of [
      [{ tenantId: "contoso/../evil" }, "tenantId"],
      [{ tenantId: "" }, "tenantId"],
      [{ clientId: "my-app" }, "clientId"],
      [{ clientSecret: "short" }, "clientSecret"],
    ] as const) {
      expect(() => client(credentials)).toThrow(
        expect.objectContaining({ field, reason: "invalid", permanent: true }),
      );
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("says which permissions to grant when Graph answers 403", async () => {
    fake.updateApp(fake.app.clientId, { permissions: ["User.Read.All"] });
    const entra = client();
    await entra.listUsers(null);
    const error = await rejection(entra.listGroups(null));
    expect(error).toBeInstanceOf(EntraAuthError);
    expect(error).toMatchObject({ field: "clientId", reason: "missing_permission", permanent: true });
    expect(error.message).toMatch(
      /User\.Read\.All and GroupMember\.Read\.All.*admin consent.*Authorization_RequestDenied/,
    );
  });
});

describe("throttling and failures", () => {
  it("waits out Graph's throttling as Retry-After says, then lists everything", async () => {
    fake.setThrottle({ requests: 4, windowMs: 10_000 });
    fake.advanceClock(10_000 - (fake.now() % 10_000));
    const entra = client();
    const users = await collect((cursor) => entra.listUsers(cursor));
    expect(users).toHaveLength(fake.directory.users.length);
    const throttled = graphRequests().filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    // Each wait is what Retry-After asked: the rest of the fake's 10 s window.
    expect(time.slept.length).toBe(throttled.length);
    for (const ms of time.slept) expect(ms).toBe(10_000);
    expect(entra.waitedMs).toBe(10_000 * throttled.length);
  });

  it("refuses a hostile Retry-After rather than holding the run", async () => {
    fake.injectFault({ fault: { kind: "status", status: 429, retryAfter: 999_999 }, path: "/v1.0/users" });
    const error = await rejection(client().listUsers(null));
    expect(error).toBeInstanceOf(EntraWaitRefusedError);
    expect(isPermanentFailure(error)).toBe(true);
    expect(time.slept).toEqual([]);
  });

  it("waits a 503's Retry-After, backs off a 429 without one, and retries 5xx", async () => {
    fake.injectFault({ fault: { kind: "status", status: 503, retryAfter: 7 }, path: "/v1.0/users" });
    fake.injectFault({ fault: { kind: "status", status: 429 }, path: "/v1.0/users" });
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/v1.0/users" });
    const page = await client().listUsers(null);
    expect(page.items.length).toBeGreaterThan(0);
    expect(graphRequests().map((r) => r.status)).toEqual([503, 429, 500, 200]);
    expect(time.slept[0]).toBe(7000);
    expect(time.slept).toHaveLength(3);
  });

  it("reads a Retry-After given as an HTTP date against the answer's own Date", async () => {
    let calls = 0;
    const server = await tinyServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.url?.includes("/oauth2/")) {
        res.end(JSON.stringify({ token_type: "Bearer", expires_in: 3600, access_token: "tok-0123456789" }));
      } else if (calls++ === 0) {
        const date = Date.UTC(2031, 0, 1);
        res.writeHead(429, {
          Date: new Date(date).toUTCString(),
          "Retry-After": new Date(date + 5000).toUTCString(),
        });
        res.end(JSON.stringify({ error: { code: "TooManyRequests", message: "slow down" } }));
      } else {
        res.end(JSON.stringify({ value: [{ id: "u1", userPrincipalName: "a@b.c" }] }));
      }
    });
    try {
      const page = await client({ endpoints: { login: server.url, graph: server.url } }).listUsers(null);
      expect(page.items.map((u) => u.externalId)).toEqual(["u1"]);
      expect(time.slept).toEqual([5000]);
    } finally {
      await server.close();
    }
  });

  it("gives up on a lasting 5xx after its retries, as an error a later attempt may fix", async () => {
    fake.injectFault({ fault: { kind: "status", status: 502 }, path: "/v1.0/groups", times: 10 });
    const error = await rejection(client({ maxRetries: 2 }).listGroups(null));
    expect(error).toMatchObject({ status: 502, permanent: false });
    expect(graphRequests()).toHaveLength(3);
  });

  it("retries the token endpoint's failures too", async () => {
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: `/${fake.tenantId}/` });
    await client().listUsers(null);
    expect(tokenRequests().map((r) => r.status)).toEqual([500, 200]);
  });

  it("refuses redirects (permanent) and reports garbled pages (retryable)", async () => {
    fake.injectFault({ fault: { kind: "redirect" }, path: "/v1.0/users" });
    expect(await rejection(client().listUsers(null))).toMatchObject({ reason: "redirect", permanent: true });
    fake.injectFault({ fault: { kind: "malformed-json" }, path: "/v1.0/users" });
    expect(await rejection(client().listUsers(null))).toMatchObject({
      reason: "malformed",
      permanent: false,
    });
    fake.injectFault({ fault: { kind: "wrong-shape" }, path: "/v1.0/users" });
    expect(await rejection(client().listUsers(null))).toBeInstanceOf(EntraResponseError);
    // A request Graph calls malformed is as malformed the next time.
    fake.injectFault({ fault: { kind: "status", status: 400 }, path: "/v1.0/users" });
    expect(await rejection(client().listUsers(null))).toMatchObject({ status: 400, permanent: true });
  });

  it("aborts a wait when the signal aborts", async () => {
    fake.setThrottle({ requests: 0, windowMs: 60_000 });
    const controller = new AbortController();
    const entra = client({
      signal: controller.signal,
      sleep: () => {
        controller.abort(new Error("run cancelled"));
        return new Promise(() => {});
      },
    });
    expect((await rejection(entra.listUsers(null))).message).toBe("run cancelled");
  });
});

describe("where the client connects", () => {
  it("refuses endpoints other than Microsoft's unless on localhost with allowInsecureLocalhost", () => {
    const base = { tenantId: fake.tenantId, clientId: fake.app.clientId, clientSecret: secret };
    for (const options of [
      {
        endpoints: { login: "https://evil.example", graph: "https://graph.microsoft.com" },
        allowInsecureLocalhost: true,
      },
      { endpoints: { login: fake.url, graph: fake.url } },
      { endpoints: { login: fake.url, graph: "http://10.0.0.1:80" }, allowInsecureLocalhost: true },
    ]) {
      expect(() => new EntraClient({ ...base, ...options })).toThrow(EntraConnectionError);
    }
    const real = new EntraClient({ ...base, endpoints: { ...ENTRA_ENDPOINTS } });
    expect(real.endpoints).toEqual({
      login: "https://login.microsoftonline.com",
      graph: "https://graph.microsoft.com",
    });
  });

  it("refuses a cursor off Graph or off its listing, sending nothing", async () => {
    const entra = client();
    for (const cursor of [
      "https://evil.example/v1.0/users?$skiptoken=x",
      `${fake.url}/v1.0/groups?$skiptoken=x`,
      `${fake.url.replace("http:", "https:")}/v1.0/users`,
      `http://user:pass@${fake.url.slice(7)}/v1.0/users`,
      "not a url",
    ]) {
      expect(await rejection(entra.listUsers(cursor))).toMatchObject({
        reason: "foreign_link",
        permanent: true,
      });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a next link that leads off Graph", async () => {
    const server = await tinyServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.url?.includes("/oauth2/")) {
        res.end(JSON.stringify({ token_type: "Bearer", expires_in: 3600, access_token: "tok-0123456789" }));
      } else {
        res.end(
          JSON.stringify({ value: [], "@odata.nextLink": "https://evil.example/v1.0/users?$skiptoken=a" }),
        );
      }
    });
    try {
      const entra = client({ endpoints: { login: server.url, graph: server.url } });
      expect(await rejection(entra.listUsers(null))).toMatchObject({ reason: "foreign_link" });
    } finally {
      await server.close();
    }
  });
});

describe("the change feed (Graph's delta queries)", () => {
  /** A whole delta listing from a position: what it listed and removed, and the next position. */
  async function delta<T>(list: (cursor: string | null) => Promise<Page<T>>) {
    const items: T[] = [];
    const removed: string[] = [];
    let cursor: string | null = null;
    let position: string | undefined;
    do {
      const page: Page<T> = await list(cursor);
      items.push(...page.items);
      removed.push(...(page.removed ?? []));
      cursor = page.next;
      position = page.position;
    } while (cursor);
    return { items, removed, position };
  }

  it("takes positions with one request a listing, then lists only what changed after them, removals included", async () => {
    const entra = client();
    const positions = await entra.changeFeed.positions();
    expect(graphRequests().map((r) => [r.path, r.query.$deltatoken])).toEqual([
      ["/v1.0/users/delta", "latest"],
      ["/v1.0/groups/delta", "latest"],
    ]);
    const [kept, gone] = fake.directory.users;
    const groupsOf = (id: string) => fake.directory.groups.filter((g) => g.members.has(id)).map((g) => g.id);
    /** The groups holding these at any level, these included. */
    const withHolders = (ids: string[]): string[] => {
      const all = new Set(ids);
      for (const id of all) for (const holder of groupsOf(id)) all.add(holder);
      return [...all].sort();
    };
    const [group] = fake.directory.groups;
    // Deleting a user changes the members of its groups too.
    const moved = withHolders([group?.id as string, ...groupsOf(gone?.id as string)]);
    const added = fake.directory.createUser({ userPrincipalName: "delta@contoso.test", givenName: "Delta" });
    fake.directory.updateUser(kept?.id as string, { surname: "Changed" });
    fake.directory.deleteUser(gone?.id as string);
    fake.directory.addMember(group?.id as string, added.id);

    const users = await delta((cursor) => entra.listUsers(cursor, { changesFrom: positions.users }));
    expect(users.items.map((u) => u.externalId).sort()).toEqual([added.id, kept?.id].sort());
    expect(users.items.find((u) => u.externalId === kept?.id)?.lastName).toBe("Changed");
    expect(users.removed).toEqual([gone?.id]);
    expect(users.position).toMatch(/\/v1\.0\/users\/delta\?\$deltatoken=/);
    const groups = await delta((cursor) => entra.listGroups(cursor, { changesFrom: positions.groups }));
    // The groups whose members changed, and every group holding them, dated by this listing.
    expect(groups.items.map((g) => g.externalId).sort()).toEqual(moved);
    expect(moved.length).toBeLessThan(fake.directory.groups.length);
    expect(groups.items.every((g) => g.membershipUpdatedAt instanceof Date)).toBe(true);

    // From the positions it handed out: nothing more.
    const after = await delta((cursor) => entra.listUsers(cursor, { changesFrom: users.position as string }));
    expect(after).toMatchObject({ items: [], removed: [] });
  });

  it("says a position Graph no longer keeps is unusable: expired after seven days, or reset", async () => {
    const entra = client();
    const positions = await entra.changeFeed.positions();
    fake.advanceClock(8 * DAY);
    expect(await rejection(entra.listUsers(null, { changesFrom: positions.users }))).toMatchObject({
      name: "ChangeLogUnavailableError",
      reason: "retention",
    });
    const fresh = await entra.changeFeed.positions();
    fake.forgetDeltaState();
    const reset = await rejection(entra.listGroups(null, { changesFrom: fresh.groups }));
    expect(reset).toBeInstanceOf(ChangeLogUnavailableError);
    expect(reset).toMatchObject({ reason: "reset" });
  });

  it("refuses a position off Graph or off its listing, sending nothing", async () => {
    const entra = client();
    for (const position of [
      "https://evil.example/v1.0/users/delta?$deltatoken=x",
      `${fake.url}/v1.0/groups/delta?$deltatoken=x`,
      `${fake.url}/v1.0/users?$deltatoken=x`,
    ]) {
      expect(await rejection(entra.listUsers(null, { changesFrom: position }))).toMatchObject({
        reason: "foreign_link",
      });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a delta page that leads off Graph or ends without a position", async () => {
    const answers = [
      { value: [], "@odata.deltaLink": "https://evil.example/v1.0/users/delta?$deltatoken=a" },
      { value: [{ id: "u1", "@removed": { reason: "changed" } }] },
    ];
    let answer = 0;
    const server = await tinyServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.url?.includes("/oauth2/")) {
        res.end(JSON.stringify({ token_type: "Bearer", expires_in: 3600, access_token: "tok-0123456789" }));
      } else {
        res.end(JSON.stringify(answers[answer++]));
      }
    });
    try {
      const entra = client({ endpoints: { login: server.url, graph: server.url } });
      const from = `${server.url}/v1.0/users/delta?$deltatoken=x`;
      expect(await rejection(entra.listUsers(null, { changesFrom: from }))).toMatchObject({
        reason: "foreign_link",
      });
      expect(await rejection(entra.listUsers(null, { changesFrom: from }))).toMatchObject({
        reason: "malformed",
      });
    } finally {
      await server.close();
    }
  });
});

describe("a hostile server that echoes credentials", () => {
  it("leaks neither the secret nor any access token in any error", async () => {
    const hostile = await startFakeEntra({ users: 30, groups: 3, seed: 9, hostile: { echoSecrets: true } });
    const proxy = await recordingProxy(hostile.url);
    const hostileSecret = hostile.app.secrets[0]?.value ?? "";
    const make = (options: Partial<EntraClientOptions> = {}) =>
      new EntraClient({
        tenantId: hostile.tenantId,
        clientId: hostile.app.clientId,
        clientSecret: hostileSecret,
        endpoints: { login: proxy.url, graph: proxy.url },
        allowInsecureLocalhost: true,
        ...entraTime(hostile),
        maxRetries: 1,
        ...options,
      });
    try {
      const errors: Error[] = [];
      const wrong = "Wrong~Secret.Value_with+plus/and=equals";
      errors.push(await rejection(make({ clientSecret: wrong }).listUsers(null)));
      hostile.updateApp(hostile.app.clientId, { secrets: [{ value: hostileSecret, expiresAt: 0 }] });
      errors.push(await rejection(make().listUsers(null)));
      hostile.updateApp(hostile.app.clientId, {
        secrets: [{ value: hostileSecret, expiresAt: null }],
        permissions: [],
      });
      const entra = make();
      errors.push(await rejection(entra.listUsers(null)));
      hostile.updateApp(hostile.app.clientId, { permissions: ["User.Read.All", "GroupMember.Read.All"] });
      for (const fault of [
        { kind: "status", status: 500 },
        { kind: "status", status: 400 },
        { kind: "status", status: 429, retryAfter: 999_999 },
        { kind: "status", status: 401 },
        { kind: "redirect" },
      ] as const) {
        hostile.injectFault({ fault, path: "/v1.0/", times: 4 });
        errors.push(await rejection(entra.listUsers(null)));
        hostile.clearFaults();
      }
      hostile.injectFault({ fault: { kind: "status", status: 503 }, times: 4 });
      errors.push(await rejection(make().listGroups(null)));
      hostile.clearFaults();
      errors.push(await rejection(entra.listGroupMembers("00000000-0000-4000-8000-000000000000", null)));
      expect(errors).toHaveLength(10);
      // The server's text is quoted, scrubbed (see errors.test.ts): the echo leads it, so what is cut is not.
      expect(errors[0]?.message).toMatch(/AADSTS7000215 .*: "\[redacted\]/);
      expect(errors[2]).toMatchObject({ reason: "missing_permission", field: "clientId" });
      expect(proxy.sent.length).toBeGreaterThan(3);
      for (const error of errors) {
        for (const secretSent of [hostileSecret, wrong, ...proxy.sent]) {
          expect(leakedFromError(error, secretSent), `${error.name}: ${inspect(error)}`).toEqual([]);
        }
      }
      // The client itself shows no secret either.
      for (const secretSent of [hostileSecret, ...proxy.sent]) {
        expect(inspect(entra, { depth: 5, showHidden: true })).not.toContain(secretSent);
        expect(JSON.stringify(entra)).not.toContain(secretSent);
      }
    } finally {
      await proxy.close();
      await hostile.close();
    }
  });
});
