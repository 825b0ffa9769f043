import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GroupGoneError } from "@/lib/directory/types";
import { FAR_RESET_MS, type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { nextLink, OktaClient, type OktaClientOptions, pages } from "./client";
import { validateOktaDomain } from "./domain";
import { OktaApiError, OktaConnectionError, OktaResponseError, OktaWaitRefusedError } from "./errors";
import { HOSTILE_TOKEN, leakedForms, leakedFromError, tinyServer, virtualTime } from "./testing";
import { createTransport } from "./transport";

let fake: FakeOkta;
let time: ReturnType<typeof virtualTime>;
beforeAll(async () => {
  fake = await startFakeOkta({
    users: 1234,
    groups: 25,
    seed: 5,
    frozenClock: true,
    // Half a minute into a rate-limit window, on a clock unrelated to the client's.
    startAt: new Date("2030-01-01T00:00:30Z"),
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.clearFaults();
  fake.revokeTokenAfter(null);
  fake.setPermissions({ users: true, groups: true });
  fake.setRateLimits({ users: 600, groups: 500, other: 100, concurrency: 75 });
  fake.setHostile({ rateLimitResetInMs: null });
  // A fresh rate-limit window, 30 s in (so a wait for its reset is 31 s).
  fake.advanceClock(90_000 - (fake.now() % 60_000));
  fake.clearRequests();
  fake.maxInFlight = 0;
  time = virtualTime(fake);
});

const client = (options: Partial<OktaClientOptions> = {}) =>
  new OktaClient({ domain: fake.url, token: fake.token, allowInsecureLocalhost: true, ...time, ...options });

async function collect<T>(list: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>) {
  const items: T[] = [];
  for await (const page of pages(list)) items.push(...page);
  return items;
}

describe("listings", () => {
  it("lists every user, DEPROVISIONED included, 200 a page, following the next links", async () => {
    const okta = client();
    const users = await collect((cursor) => okta.listUsers(cursor));
    expect(users.map((u) => u.externalId)).toEqual(fake.directory.users.map((u) => u.id));
    expect(users.some((u) => u.status === "DEPROVISIONED")).toBe(true);
    expect(okta.requestCount).toBe(Math.ceil(1234 / 200));
    expect(fake.requests).toHaveLength(okta.requestCount);
    const [first, second] = fake.requests;
    expect(first?.query).toEqual({
      limit: "200",
      filter:
        'status eq "STAGED" or status eq "PROVISIONED" or status eq "ACTIVE" or status eq "RECOVERY" or ' +
        'status eq "PASSWORD_EXPIRED" or status eq "LOCKED_OUT" or status eq "SUSPENDED" or status eq "DEPROVISIONED"',
    });
    expect(second?.query.after).toBeTruthy();
  });

  it("maps Okta users to directory people, explicit nulls and all", async () => {
    const users = await collect((cursor) => client().listUsers(cursor));
    const source = fake.directory.users;
    const noEmail = source.find((u) => u.profile.email === null);
    const noLastName = source.find((u) => u.profile.lastName === null);
    expect(users.find((u) => u.externalId === noEmail?.id)).toMatchObject({ email: null });
    expect(users.find((u) => u.externalId === noLastName?.id)).toMatchObject({ lastName: null });
    const sample = source[1];
    expect(users[1]).toEqual({
      externalId: sample?.id,
      status: sample?.status,
      username: sample?.profile.login,
      email: sample?.profile.email,
      firstName: sample?.profile.firstName,
      lastName: sample?.profile.lastName,
      displayName: sample?.profile.displayName ?? null,
      profile: sample?.profile,
      createdAt: new Date(sample?.created ?? 0),
      updatedAt: new Date(sample?.lastUpdated ?? 0),
    });
  });

  it("lists only users changed since a time, deactivated ones included", async () => {
    const since = new Date(fake.now());
    fake.advanceClock(1000);
    const [a, b] = [fake.directory.users[3], fake.directory.users[700]];
    fake.directory.updateUser(a?.id ?? "", { department: "Legal" });
    fake.directory.deactivateUser(b?.id ?? "");
    const { items, next } = await client().listUsers(null, { updatedSince: since });
    expect(items.map((u) => [u.externalId, u.status])).toEqual([
      [a?.id, a?.status],
      [b?.id, "DEPROVISIONED"],
    ]);
    expect(next).toBeNull();
    expect(fake.requests[0]?.query.filter).toBe(`lastUpdated gt "${since.toISOString()}"`);
  });

  it("lists groups, and incrementally those whose profile or members changed", async () => {
    const groups = await collect((cursor) => client().listGroups(cursor));
    expect(groups).toHaveLength(26);
    expect(groups[0]).toMatchObject({ name: "Everyone", type: "BUILT_IN", description: expect.any(String) });
    expect(groups.every((g) => g.updatedAt instanceof Date && g.membershipUpdatedAt instanceof Date)).toBe(
      true,
    );
    // Member counts (expand=stats), for planning the member reads.
    const counted = fake.directory.groups[9];
    expect(groups.find((g) => g.externalId === counted?.id)?.memberCount).toBe(counted?.members?.length);
    expect(groups[0]?.memberCount).toBe(fake.directory.users.length);

    const since = new Date(fake.now());
    fake.advanceClock(1000);
    const [renamed, regrouped] = [fake.directory.groups[4], fake.directory.groups[9]];
    fake.directory.renameGroup(renamed?.id ?? "", "Renamed");
    fake.directory.removeMember(regrouped?.id ?? "", regrouped?.members?.[0] ?? "");
    const changed = await client().listGroups(null, { updatedSince: since });
    expect(changed.items.map((g) => g.externalId)).toEqual([renamed?.id, regrouped?.id]);
  });

  it("lists a group's members 1,000 a page across pages, Everyone's being every user", async () => {
    const okta = client();
    expect(okta.memberPageSize).toBe(1000);
    const big = [...fake.directory.groups].sort(
      (a, b) => (b.members?.length ?? 0) - (a.members?.length ?? 0),
    )[0];
    expect(big?.members?.length).toBeGreaterThan(200);
    expect(await collect((cursor) => okta.listGroupMembers(big?.id ?? "", cursor))).toEqual(big?.members);
    const everyone = fake.directory.everyone?.id ?? "";
    expect(await collect((cursor) => okta.listGroupMembers(everyone, cursor))).toHaveLength(1234);
    expect(fake.requests.map((r) => [r.path.split("/")[4], r.query.limit])).toEqual([
      [big?.id, "1000"],
      [everyone, "1000"],
      [everyone, "1000"],
    ]);
  });

  it("says a group deleted since it was listed is gone (Okta's 404 on its members)", async () => {
    const error = await client()
      .listGroupMembers("00gdeletedsince", null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroupGoneError);
    expect(error).toMatchObject({ groupExternalId: "00gdeletedsince" });
  });

  it("refuses a cursor that leaves the org or the listing, before sending anything", async () => {
    const okta = client();
    for (const cursor of [
      "https://evil.example/api/v1/users?after=x",
      `${fake.url.replace("127.0.0.1", "localhost")}/api/v1/users?after=x`,
      `${fake.url}/api/v1/groups?after=x`,
      "not a url",
    ]) {
      await expect(okta.listUsers(cursor)).rejects.toThrow(OktaResponseError);
    }
    await expect(okta.listGroupMembers("00gA", `${fake.url}/api/v1/groups/00gB/users`)).rejects.toThrow(
      /outside/,
    );
    expect(okta.requestCount).toBe(0);
  });

  it("reads next links from one header or several", () => {
    const self = '<https://acme.okta.com/api/v1/users?limit=200>; rel="self"';
    const next = '<https://acme.okta.com/api/v1/users?after=00u2&limit=200>; rel="next"';
    expect(nextLink([self, next])).toBe("https://acme.okta.com/api/v1/users?after=00u2&limit=200");
    expect(nextLink(`${self}, ${next}`)).toBe("https://acme.okta.com/api/v1/users?after=00u2&limit=200");
    expect(nextLink(self)).toBeNull();
    expect(nextLink(undefined)).toBeNull();
  });
});

describe("member pages of 1,000, and of 200 for a group where those fail", () => {
  const SLOW = "00gslow0000000000000";
  const FINE = "00gfine0000000000000";
  const members = Array.from({ length: 2500 }, (_, i) => `00u${String(i).padStart(17, "0")}`);

  /**
   * Two groups of 2,500 members, paged as Okta pages them (`after` is the last id sent, the next link
   * keeps the limit); `SLOW` fails every page of more than 200, as `failure` says.
   */
  async function membersServer(failure: "503" | "hang") {
    const seen: { group: string; limit: string | null; after: string | null }[] = [];
    const server = await tinyServer((req, res) => {
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      const group = url.pathname.split("/")[4] ?? "";
      const limit = url.searchParams.get("limit");
      const after = url.searchParams.get("after");
      seen.push({ group, limit, after });
      if (group === SLOW && Number(limit) > 200) {
        if (failure === "hang") return;
        res.writeHead(503, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ errorCode: "E0000009", errorSummary: "Internal Server Error" }));
        return;
      }
      const start = after === null ? 0 : members.indexOf(after) + 1;
      const page = members.slice(start, start + Number(limit));
      const links = [`<${url.href}>; rel="self"`];
      if (start + page.length < members.length) {
        const next = new URL(url);
        next.searchParams.set("after", page.at(-1) ?? "");
        links.push(`<${next.href}>; rel="next"`);
      }
      res.writeHead(200, { "Content-Type": "application/json", Link: links });
      res.end(JSON.stringify(page.map((id) => ({ id, status: "ACTIVE", profile: { login: `${id}@x.io` } }))));
    });
    return { ...server, seen };
  }

  it.each([
    ["fail (503)", "503" as const],
    ["time out", "hang" as const],
  ])(
    "reads a group whose big pages %s at 200 a page, asking again at once; other groups at 1,000",
    async (_name, failure) => {
      const server = await membersServer(failure);
      const okta = new OktaClient({
        domain: server.url,
        token: "t",
        allowInsecureLocalhost: true,
        ...time,
        timeoutMs: 200,
      });
      const slow = await collect((cursor) => okta.listGroupMembers(SLOW, cursor));
      const fine = await collect((cursor) => okta.listGroupMembers(FINE, cursor));
      await server.close();
      expect(slow).toEqual(members);
      expect(fine).toEqual(members);
      // One big page asked for and failed, not retried: the same page at 200, then 12 more of 200.
      const slowPages = server.seen.filter((r) => r.group === SLOW);
      expect(slowPages.slice(0, 2)).toEqual([
        { group: SLOW, limit: "1000", after: null },
        { group: SLOW, limit: "200", after: null },
      ]);
      expect(slowPages.slice(1).map((r) => r.limit)).toEqual(Array(13).fill("200"));
      expect(server.seen.filter((r) => r.group === FINE).map((r) => r.limit)).toEqual([
        "1000",
        "1000",
        "1000",
      ]);
      expect(okta.requestCount).toBe(1 + 13 + 3);
      expect(time.slept).toEqual([]);
    },
  );

  it("falls back in the middle of a group, from the page that failed", async () => {
    const server = await membersServer("503");
    const okta = new OktaClient({ domain: server.url, token: "t", allowInsecureLocalhost: true, ...time });
    // A cursor from a 1,000-page of the group (as a step before the failure left it).
    const cursor = `${server.url}/api/v1/groups/${SLOW}/users?limit=1000&after=${members[999]}`;
    const rest = await collect((next) => okta.listGroupMembers(SLOW, next ?? cursor));
    await server.close();
    expect(rest).toEqual(members.slice(1000));
    expect(server.seen.slice(0, 2)).toEqual([
      { group: SLOW, limit: "1000", after: members[999] },
      { group: SLOW, limit: "200", after: members[999] },
    ]);
    expect(okta.requestCount).toBe(1 + 8);
  });

  it("retries a 200-page as usual, and keeps errors no page size explains", async () => {
    fake.injectFault({ fault: { kind: "status", status: 503 }, path: "/api/v1/groups/", times: 2 });
    const okta = client();
    const group = fake.directory.groups[3];
    expect(await collect((cursor) => okta.listGroupMembers(group?.id ?? "", cursor))).toEqual(group?.members);
    // The big page failed once; the same page at 200 failed once and was retried after a backoff.
    expect(fake.requests.map((r) => [r.query.limit, r.status])).toEqual([
      ["1000", 503],
      ["200", 503],
      ["200", 200],
    ]);
    expect(time.slept).toEqual([375]);

    fake.clearRequests();
    fake.setPermissions({ groups: false });
    await expect(okta.listGroupMembers(group?.id ?? "", null)).rejects.toMatchObject({ status: 403 });
    expect(fake.requests.map((r) => r.query.limit)).toEqual(["1000"]);
  });
});

describe("read-only by construction", () => {
  it("sends nothing but GET, whatever it is asked to list", async () => {
    const okta = client();
    await collect((cursor) => okta.listUsers(cursor));
    await collect((cursor) => okta.listGroups(cursor));
    await okta.listGroupMembers(fake.directory.groups[2]?.id ?? "", null);
    await okta.organization();
    expect(fake.requests.length).toBeGreaterThan(8);
    expect(new Set(fake.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
  });

  it("has no way to choose an HTTP method: only the transport sends, GET, or POST to the token endpoint", async () => {
    const dir = import.meta.dirname;
    const sources = readdirSync(dir).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "testing.ts",
    );
    expect(sources).toContain("transport.ts");
    for (const file of sources.filter((f) => f !== "transport.ts")) {
      const code = readFileSync(path.join(dir, file), "utf8");
      expect(code, file).not.toMatch(/\.request\(|\.get\(url, \{|fetch\(|method: "/);
    }
    const transport = readFileSync(path.join(dir, "transport.ts"), "utf8");
    expect(transport.match(/\.request\(/g)).toHaveLength(1);
    expect(transport.match(/method: "[A-Z]+"/g)).toEqual(['method: "GET"', 'method: "POST"']);
    // The one POST refuses every path but the token endpoint, before a byte is sent.
    const post = createTransport({ checkAddresses: false }).postForm;
    const signal = AbortSignal.timeout(1000);
    for (const target of [`${fake.url}/api/v1/users`, `${fake.url}/oauth2/v1/token/../../api/v1/users`]) {
      const sent = fake.requests.length;
      expect(() => post(new URL(target), {}, new URLSearchParams(), signal)).toThrow(/POSTs only to/);
      expect(fake.requests.length).toBe(sent);
    }
  });
});

describe("rate limits", () => {
  it("keeps 10% of the budget free, waiting for the reset per Okta's Date header", async () => {
    fake.setRateLimits({ users: 20 });
    const okta = client();
    for (let i = 0; i < 19; i++) await okta.listUsers(null);
    // 18 of 20 requests spent; before the 19th, wait for the window's end (30 s away on the fake's clock) + 1 s.
    expect(time.slept).toEqual([31_000]);
    expect(okta.requestCount).toBe(19);
    expect(fake.requests.filter((r) => r.path === "/api/v1/users")).toHaveLength(19);
  });

  it("spends up to a configured reserve", async () => {
    fake.setRateLimits({ users: 10 });
    const okta = client({ reserveShare: 0.5 });
    for (let i = 0; i < 6; i++) await okta.listUsers(null);
    expect(time.slept).toEqual([31_000]);
  });

  it("on 429 waits until the reset the Date header implies, plus a second, then retries", async () => {
    fake.setRateLimits({ users: 2 });
    // Another integration of the org spent the budget.
    for (let i = 0; i < 2; i++) {
      await fetch(`${fake.url}/api/v1/users?limit=1`, { headers: { Authorization: `SSWS ${fake.token}` } });
    }
    const okta = client();
    const page = await okta.listUsers(null);
    expect(page.items).toHaveLength(200);
    expect(time.slept).toEqual([31_000]);
    expect(okta.requestCount).toBe(2);
  });

  it("gives up after the allowed number of 429 waits with a rate-limit error", async () => {
    fake.setRateLimits({ users: 0 });
    const okta = client({ maxRateLimitWaits: 2 });
    const error = await okta.listUsers(null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OktaApiError);
    expect(error).toMatchObject({ status: 429, errorCode: "E0000047" });
    expect((error as Error).message).toMatch(/rate limit/);
    expect(time.slept).toEqual([31_000, 60_000]); // then from 1 s into the next window
    expect(okta.requestCount).toBe(3);
  });

  it("refuses a 429 whose reset is 20 days ahead at once, saying until when Okta asked to wait", async () => {
    fake.setHostile({ rateLimitResetInMs: FAR_RESET_MS });
    const error = await client()
      .listUsers(null)
      .catch((e: unknown) => e);
    const until = new Date(Math.ceil((fake.now() + FAR_RESET_MS) / 1000) * 1000);
    expect(error).toBeInstanceOf(OktaWaitRefusedError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Okta asked to wait until ${until.toISOString()}, longer than a sync waits`),
    );
    expect(time.slept).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it("refuses to pace on a Remaining of 0 whose reset is far ahead", async () => {
    const reset = Math.floor(Date.now() / 1000) + 20 * 86_400;
    const server = await tinyServer((_req, res) => {
      res.writeHead(200, {
        "Content-Type": "application/json",
        Date: new Date().toUTCString(),
        "X-Rate-Limit-Limit": "600",
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": String(reset),
      });
      res.end("[]");
    });
    const okta = new OktaClient({ domain: server.url, token: "t", allowInsecureLocalhost: true, ...time });
    await okta.listUsers(null);
    await expect(okta.listUsers(null)).rejects.toThrow(OktaWaitRefusedError);
    await server.close();
    expect(time.slept).toEqual([]);
    expect(okta.requestCount).toBe(1);
  });

  it("waits at most its budget in all, however short each wait", async () => {
    fake.setRateLimits({ users: 1 });
    const okta = client({ waitBudgetMs: 100_000 });
    const error = await (async () => {
      for (let i = 0; i < 5; i++) await okta.listUsers(null);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OktaWaitRefusedError);
    // 31 s, then 60 s (from 1 s into a window); another 60 s would pass 100 s.
    expect(time.slept).toEqual([31_000, 60_000]);
  });

  it("stops waiting as soon as its signal aborts", async () => {
    fake.setRateLimits({ users: 0 });
    const controller = new AbortController();
    const okta = client({ signal: controller.signal, sleep: () => new Promise(() => {}) });
    const reason = new Error("cancelled");
    setTimeout(() => controller.abort(reason), 50);
    const started = performance.now();
    await expect(okta.listUsers(null)).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(okta.requestCount).toBe(1);
  });

  it("never has more requests in flight than its concurrency", async () => {
    fake.injectFault({ fault: { kind: "delay", ms: 30 }, times: 100 });
    const ids = fake.directory.groups.slice(1, 13).map((g) => g.id);
    await Promise.all(ids.map((id) => client({ concurrency: 2 }).listGroupMembers(id, null)));
    expect(fake.maxInFlight).toBeGreaterThan(2); // twelve clients: the fake does see parallel requests
    fake.maxInFlight = 0;
    const okta = client({ concurrency: 2 });
    await Promise.all(ids.map((id) => okta.listGroupMembers(id, null)));
    expect(fake.maxInFlight).toBe(2);
    expect(() => client({ concurrency: 5 })).toThrow(RangeError);
  });
});

describe("retries", () => {
  it("retries 5xx answers with exponential backoff and jitter", async () => {
    fake.injectFault({ fault: { kind: "status", status: 503 }, times: 2 });
    const okta = client();
    expect((await okta.listUsers(null)).items).toHaveLength(200);
    expect(time.slept).toEqual([375, 750]); // 500 ms, then 1 s, each × (0.5 + random/2)
    expect(okta.requestCount).toBe(3);
  });

  it("retries a page that fails once in the middle of a listing", async () => {
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/api/v1/users", skip: 3 });
    const okta = client();
    expect(await collect((cursor) => okta.listUsers(cursor))).toHaveLength(1234);
    expect(okta.requestCount).toBe(8);
  });

  it("stops after the allowed retries with Okta's error", async () => {
    fake.injectFault({ fault: { kind: "status", status: 500 }, times: 10 });
    const okta = client({ maxRetries: 2 });
    await expect(okta.listUsers(null)).rejects.toMatchObject({ status: 500, message: /Okta is failing/ });
    expect(okta.requestCount).toBe(3);
  });

  it("times out a request that hangs, and retries it", async () => {
    fake.injectFault({ fault: { kind: "hang" } });
    const okta = client({ timeoutMs: 150 });
    expect((await okta.listUsers(null)).items).toHaveLength(200);
    expect(okta.requestCount).toBe(2);
    fake.injectFault({ fault: { kind: "hang" }, times: 2 });
    const error = await client({ timeoutMs: 100, maxRetries: 1 })
      .listUsers(null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OktaConnectionError);
    expect(error).toMatchObject({ reason: "timeout" });
  });

  it("retries network errors and then reports them", async () => {
    const gone = await tinyServer(() => undefined);
    await gone.close();
    const okta = new OktaClient({ domain: gone.url, token: "t", allowInsecureLocalhost: true, ...time });
    await expect(okta.listUsers(null)).rejects.toMatchObject({ reason: "network", message: /ECONNREFUSED/ });
    expect(okta.requestCount).toBe(4);
    expect(time.slept).toHaveLength(3);
  });

  it("does not retry what will not change: 4xx answers", async () => {
    const okta = client();
    await expect(
      okta.listUsers(null, {}).then(() => okta.listGroupMembers("00gmissing", null)),
    ).rejects.toBeInstanceOf(GroupGoneError);
    expect(okta.requestCount).toBe(2);
    fake.setPermissions({ users: false });
    await expect(okta.listUsers(null)).rejects.toMatchObject({ status: 403, errorCode: "E0000006" });
    fake.setPermissions({ users: true });
    expect(okta.requestCount).toBe(3);
  });
});

describe("errors", () => {
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: unknown) => e as Error,
    );

  it("reports a bad token without ever showing it", async () => {
    const secret = "00secretTokenValue-do-not-show";
    const okta = client({ token: secret });
    const error = await failure(okta.listUsers(null));
    expect(JSON.stringify(okta)).not.toContain(secret);
    expect(inspect(okta, { depth: 5 })).not.toContain(secret);
    expect(error).toBeInstanceOf(OktaApiError);
    expect(error).toMatchObject({ status: 401, errorCode: "E0000011", summary: "Invalid token provided" });
    expect(error?.message).toMatch(/Okta rejected the API token/);
    for (const text of [error?.message, String(error), error?.stack, JSON.stringify(error)]) {
      expect(text).not.toContain(secret);
    }
  });

  it("scrubs the token from text the server sends back", async () => {
    const secret = "00echoedTokenValue";
    const server = await tinyServer((req, res) => {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errorCode: "E0000011", errorSummary: `Bad ${req.headers.authorization}` }));
    });
    const okta = new OktaClient({ domain: server.url, token: secret, allowInsecureLocalhost: true, ...time });
    const error = await failure(okta.listUsers(null));
    await server.close();
    expect(error).toMatchObject({ summary: "Bad SSWS [redacted]" });
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  it("reports a missing permission", async () => {
    fake.setPermissions({ groups: false });
    const error = await failure(client().listGroups(null));
    expect(error).toMatchObject({
      status: 403,
      errorCode: "E0000006",
      errorId: expect.stringMatching(/^oae/),
    });
    expect(error?.message).toMatch(/Read-Only Administrator/);
  });

  it("reports a token revoked in the middle of a listing", async () => {
    fake.revokeTokenAfter(3);
    const okta = client();
    const seen: number[] = [];
    const error = await failure(
      (async () => {
        for await (const page of pages((cursor) => okta.listUsers(cursor))) seen.push(page.length);
      })(),
    );
    expect(seen).toEqual([200, 200, 200]);
    expect(error).toMatchObject({ status: 401, errorCode: "E0000011" });
  });

  it("turns malformed JSON and wrong shapes into a typed error", async () => {
    fake.injectFault({ fault: { kind: "malformed-json" } });
    expect(await failure(client().listUsers(null))).toMatchObject({
      reason: "malformed",
      message: expect.stringMatching(/not valid JSON/),
    });
    fake.injectFault({ fault: { kind: "wrong-shape" } });
    const wrong = await failure(client().listUsers(null));
    expect(wrong).toBeInstanceOf(OktaResponseError);
    expect(wrong?.message).toMatch(/unexpected shape \(body: /);
  });

  it("tolerates unknown fields and explicit nulls but not a user without an id", async () => {
    let body: unknown[] = [];
    const server = await tinyServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    });
    const okta = new OktaClient({ domain: server.url, token: "t", allowInsecureLocalhost: true, ...time });
    body = [
      {
        id: "00u1",
        status: "ACTIVE",
        lastUpdated: null,
        futureField: { x: 1 },
        profile: { login: "a@x.io", email: null, firstName: 42, lastName: null },
      },
    ];
    expect((await okta.listUsers(null)).items[0]).toMatchObject({
      username: "a@x.io",
      email: null,
      firstName: null,
      displayName: null,
      updatedAt: null,
    });
    body = [{ id: "00g1", type: null, profile: { name: "Ops", description: null }, lastUpdated: "garbage" }];
    expect((await okta.listGroups(null)).items[0]).toEqual({
      externalId: "00g1",
      name: "Ops",
      description: null,
      type: null,
      memberCount: null,
      updatedAt: null,
      membershipUpdatedAt: null,
    });
    body = [{ status: "ACTIVE", profile: {} }];
    await expect(okta.listUsers(null)).rejects.toThrow(/unexpected shape \(0\.id: /);
    await server.close();
  });

  it("treats a redirect as an error and does not follow it", async () => {
    let followed = false;
    const target = await tinyServer((_req, res) => {
      followed = true;
      res.end("[]");
    });
    const redirecting = await tinyServer((_req, res) => {
      res.writeHead(302, { Location: `${target.url}/api/v1/users` });
      res.end();
    });
    const okta = new OktaClient({
      domain: redirecting.url,
      token: "t",
      allowInsecureLocalhost: true,
      ...time,
    });
    await expect(okta.listUsers(null)).rejects.toMatchObject({ reason: "redirect", message: /not followed/ });
    expect(followed).toBe(false);
    await Promise.all([target.close(), redirecting.close()]);
  });
});

describe("a hostile Okta echoing the token", () => {
  let hostile: FakeOkta;
  beforeAll(async () => {
    hostile = await startFakeOkta({ users: 3, token: HOSTILE_TOKEN, hostile: { echoToken: true } });
  });
  afterAll(() => hostile.close());

  const okta = (token = HOSTILE_TOKEN) =>
    new OktaClient({ domain: hostile.url, token, allowInsecureLocalhost: true, ...virtualTime() });
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected a failure");
      },
      (e: unknown) => e as Error,
    );

  const users = (client: OktaClient) => client.listUsers(null);
  it.each([
    ["a 401", () => hostile.revokeTokenAfter(0), users],
    ["a 403", () => hostile.setPermissions({ users: false }), users],
    ["a 404", () => undefined, (client: OktaClient) => client.listGroupMembers("00gnone", null)],
    ["a 429", () => hostile.setRateLimits({ users: 0 }), users],
    ["a 500", () => hostile.injectFault({ fault: { kind: "status", status: 500 }, times: 10 }), users],
    ["a 302", () => hostile.injectFault({ fault: { kind: "redirect" } }), users],
  ])("keeps the token out of the error for %s, in every encoding", async (_name, arrange, list) => {
    arrange();
    const error = await errorOf(list(okta()));
    hostile.clearFaults();
    hostile.revokeTokenAfter(null);
    hostile.setPermissions({ users: true });
    hostile.setRateLimits({ users: 600 });
    expect(error).toBeInstanceOf(Error);
    expect(leakedFromError(error, HOSTILE_TOKEN)).toEqual([]);
    // A redirect's target is neither followed nor shown.
    expect(error.message).not.toMatch(/login\?token|Location/i);
  });

  it("scrubs the token from the data it lists, however the JSON escapes it", async () => {
    const escaped = [...HOSTILE_TOKEN].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const server = await tinyServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const user = `{"id":"00u1","status":"ACTIVE","profile":{"login":"a@x.io","firstName":"${escaped.join("")}",
        "lastName":"${Buffer.from(`x${HOSTILE_TOKEN}`).toString("base64")}","${HOSTILE_TOKEN}":1}}`;
      res.end(`[${user}]`);
    });
    const client = new OktaClient({
      domain: server.url,
      token: HOSTILE_TOKEN,
      allowInsecureLocalhost: true,
      ...virtualTime(),
    });
    const { items } = await client.listUsers(null);
    await server.close();
    expect(items[0]).toMatchObject({ username: "a@x.io", firstName: "[redacted]" });
    expect(leakedForms(JSON.stringify(items), HOSTILE_TOKEN)).toEqual([]);
  });

  it("keeps a wrong token it was sent out of the error as well", async () => {
    const wrong = "00another+token/that=Okta-refuses";
    const error = await errorOf(okta(wrong).listUsers(null));
    expect(error).toMatchObject({ status: 401 });
    expect(leakedForms(inspect(error, { depth: 10 }), wrong)).toEqual([]);
  });
});

describe("addresses at connection time", () => {
  it("refuses to connect when the host now resolves to a private address (DNS rebinding)", async () => {
    let dnsAnswer = "93.184.215.14";
    const resolve = async () => [{ address: dnsAnswer, family: 4 }];
    const saved = await validateOktaDomain("sso.acme-corp.example", { resolve });
    expect(saved).toEqual({ ok: true, origin: "https://sso.acme-corp.example" });
    dnsAnswer = "127.0.0.1";
    for (const domain of ["https://sso.acme-corp.example", "acme.okta.com"]) {
      const okta = new OktaClient({ domain, token: "t", resolve, ...time, maxRetries: 0 });
      await expect(okta.listUsers(null)).rejects.toMatchObject({
        reason: "blocked_address",
        message: expect.stringMatching(/127\.0\.0\.1, which is not a public address/),
      });
    }
  });

  it("reports a host that does not resolve", async () => {
    const resolve = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const okta = new OktaClient({ domain: "nope.okta.com", token: "t", resolve, ...time });
    await expect(okta.listUsers(null)).rejects.toMatchObject({ reason: "dns" });
    expect(okta.requestCount).toBe(1);
  });

  it("refuses an invalid domain at construction", () => {
    expect(() => new OktaClient({ domain: "http://127.0.0.1:8290", token: "t" })).toThrow(/https only/);
  });
});
