import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FAR_RESET_MS, type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { directoryFromJson, generateDirectory } from "./generate";

let fake: FakeOkta;
beforeAll(async () => {
  fake = await startFakeOkta({ users: 450, groups: 12, seed: 7, frozenClock: true });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.clearFaults();
  fake.revokeTokenAfter(null);
  fake.setPermissions({ users: true, groups: true });
  fake.setRateLimits({ users: 600, groups: 500, logs: 60, other: 100, concurrency: 75 });
  fake.setHostile({
    echoToken: false,
    rateLimitResetInMs: null,
    emptyOrg: false,
    logsForbidden: false,
    bigMemberPageFault: null,
  });
  fake.advanceClock(60_000); // a fresh rate-limit window for the next test
});

const get = (path: string, headers: Record<string, string> = { Authorization: `SSWS ${fake.token}` }) =>
  fetch(`${fake.url}${path}`, { headers });
const json = async (response: Response) => (await response.json()) as Record<string, unknown>[];
const next = (response: Response) =>
  /<([^>]+)>; rel="next"/.exec(response.headers.get("link") ?? "")?.[1] ?? null;

async function listAll(path: string): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let url: string | null = `${fake.url}${path}`;
  let pages = 0;
  while (url) {
    const response = await fetch(url, { headers: { Authorization: `SSWS ${fake.token}` } });
    expect(response.status).toBe(200);
    items.push(...(await json(response)));
    url = next(response);
    pages++;
  }
  return { items, pages };
}

describe("generated org data", () => {
  it("is the same for the same seed and has what real orgs have", () => {
    const a = generateDirectory({ users: 2000, groups: 20, seed: 3 });
    const b = generateDirectory({ users: 2000, groups: 20, seed: 3 });
    expect(b).toEqual(a);
    expect(generateDirectory({ users: 2000, groups: 20, seed: 4 }).users[10]).not.toEqual(a.users[10]);

    const profiles = a.users.map((u) => u.profile);
    expect(new Set(a.users.map((u) => u.status))).toEqual(
      new Set([
        "ACTIVE",
        "STAGED",
        "PROVISIONED",
        "RECOVERY",
        "PASSWORD_EXPIRED",
        "LOCKED_OUT",
        "SUSPENDED",
        "DEPROVISIONED",
      ]),
    );
    expect(profiles.some((p) => p.email === null)).toBe(true);
    expect(profiles.some((p) => p.lastName === null)).toBe(true);
    expect(profiles.some((p) => /[^\p{ASCII}]/u.test(String(p.firstName)))).toBe(true);
    const emails = profiles.map((p) => p.email).filter(Boolean);
    expect(new Set(emails).size).toBeLessThan(emails.length);
    const logins = profiles.map((p) => p.login);
    expect(new Set(logins).size).toBe(logins.length);
    expect(a.groups[0]).toMatchObject({ name: "Everyone", type: "BUILT_IN", members: null });
    const sizes = a.groups.slice(1).map((g) => g.members?.length ?? 0);
    expect(Math.max(...sizes)).toBeGreaterThan(5 * Math.min(...sizes));
  });

  it("generates 100,000 users, 1,000 groups and 300,000 memberships in a few seconds", () => {
    const started = performance.now();
    const { users, groups } = generateDirectory({ users: 100_000, groups: 1000, seed: 1 });
    const elapsed = performance.now() - started;
    const memberships = groups.reduce((sum, g) => sum + (g.members?.length ?? 0), 0);
    expect(users).toHaveLength(100_000);
    expect(groups).toHaveLength(1001);
    expect(Math.abs(memberships - 300_000)).toBeLessThan(3000);
    expect(elapsed).toBeLessThan(10_000); // about 1 s alone; CI runs test files in parallel
  });
});

describe("org data from JSON", () => {
  it("serves users and groups written by hand, members named by login or id", async () => {
    const small = await startFakeOkta({
      data: {
        users: [
          { id: "00uA", profile: { login: "ana@example.com", email: null } },
          {
            profile: { login: "bo@example.com" },
            status: "SUSPENDED",
            lastUpdated: "2026-01-02T03:04:05.000Z",
          },
        ],
        groups: [{ name: "Ops", description: "On call", members: ["00uA", "bo@example.com"] }],
      },
    });
    const auth = { headers: { Authorization: `SSWS ${small.token}` } };
    const users = (await (await fetch(`${small.url}/api/v1/users`, auth)).json()) as {
      id: string;
      status: string;
      lastUpdated: string;
      profile: { login: string; email?: null };
    }[];
    const bo = users.find((u) => u.profile.login === "bo@example.com");
    expect(users.find((u) => u.id === "00uA")?.profile).toEqual({ login: "ana@example.com", email: null });
    expect(bo).toMatchObject({ status: "SUSPENDED", lastUpdated: "2026-01-02T03:04:05.000Z" });
    const [everyone, ops] = small.directory.groups;
    expect(everyone).toMatchObject({ name: "Everyone", type: "BUILT_IN" });
    expect(ops).toMatchObject({ name: "Ops", description: "On call" });
    expect(new Set(ops?.members)).toEqual(new Set(["00uA", bo?.id]));
    await small.close();
    expect(() => directoryFromJson({ users: [], groups: [{ name: "X", members: ["nobody"] }] })).toThrow(
      /unknown member: nobody/,
    );
  });
});

describe("paging like Okta", () => {
  it("pages users 200 at a time (max 200) with absolute self and next links and opaque cursors", async () => {
    const first = await get("/api/v1/users?limit=500");
    expect(await json(first)).toHaveLength(200);
    expect(first.headers.get("link")).toContain(`<${fake.url}/api/v1/users?limit=500>; rel="self"`);
    const after = new URL(next(first) ?? "").searchParams.get("after");
    expect(after).toBeTruthy();
    expect(fake.directory.users.map((u) => u.id)).not.toContain(after);
    expect(await json(await get("/api/v1/users"))).toHaveLength(200);
  });

  it("leaves DEPROVISIONED users out of a plain listing and includes them with a filter", async () => {
    const all = fake.directory.users;
    const plain = await listAll("/api/v1/users");
    expect(plain.pages).toBe(Math.ceil(plain.items.length / 200));
    expect(plain.items.map((u) => u.id)).toEqual(
      all.filter((u) => u.status !== "DEPROVISIONED").map((u) => u.id),
    );
    const filter = encodeURIComponent('status eq "ACTIVE" or status eq "DEPROVISIONED"');
    const filtered = await listAll(`/api/v1/users?filter=${filter}`);
    expect(filtered.items.map((u) => u.id)).toEqual(
      all.filter((u) => u.status === "ACTIVE" || u.status === "DEPROVISIONED").map((u) => u.id),
    );
  });

  it("pages groups (default 10000) and members, Everyone holding every user", async () => {
    expect(await json(await get("/api/v1/groups"))).toHaveLength(13);
    const everyone = fake.directory.everyone?.id;
    expect((await listAll(`/api/v1/groups/${everyone}/users?limit=100`)).items).toHaveLength(450);
    expect(await json(await get(`/api/v1/groups/${everyone}/users`))).toHaveLength(450);
    const group = fake.directory.groups.find((g) => (g.members?.length ?? 0) > 3);
    const members = await listAll(`/api/v1/groups/${group?.id}/users?limit=2`);
    expect(members.items.map((u) => u.id)).toEqual(group?.members);
    expect(members.pages).toBe(Math.ceil((group?.members?.length ?? 0) / 2));
  });

  it("serves members 1000 a page by default and at most, as Okta documents", async () => {
    const big = await startFakeOkta({ users: 1100, groups: 1, seed: 3 });
    const members = (query: string) =>
      fetch(`${big.url}/api/v1/groups/${big.directory.everyone?.id}/users${query}`, {
        headers: { Authorization: `SSWS ${big.token}` },
      }).then(json);
    expect(await members("")).toHaveLength(1000);
    expect(await members("?limit=1000")).toHaveLength(1000);
    expect(await members("?limit=5000")).toHaveLength(1000);
    await big.close();
  });

  it("filters on lastUpdated (gt ge lt le, and/or) and on lastMembershipUpdated", async () => {
    const users = fake.directory.users;
    const pivot = [...users].sort((a, b) => a.lastUpdated - b.lastUpdated)[300]?.lastUpdated ?? 0;
    const at = new Date(pivot).toISOString();
    const count = async (filter: string) =>
      (await listAll(`/api/v1/users?filter=${encodeURIComponent(filter)}`)).items.length;
    expect(await count(`lastUpdated gt "${at}"`)).toBe(users.filter((u) => u.lastUpdated > pivot).length);
    expect(await count(`lastUpdated ge "${at}"`)).toBe(users.filter((u) => u.lastUpdated >= pivot).length);
    expect(await count(`lastUpdated lt "${at}" or lastUpdated eq "${at}"`)).toBe(
      users.filter((u) => u.lastUpdated <= pivot).length,
    );
    expect(await count(`lastUpdated gt "${at}" and (status eq "ACTIVE" or status eq "SUSPENDED")`)).toBe(
      users.filter((u) => u.lastUpdated > pivot && (u.status === "ACTIVE" || u.status === "SUSPENDED"))
        .length,
    );
    const login = String(users[5]?.profile.login);
    expect(await count(`profile.login eq "${login}"`)).toBe(1);

    const group = fake.directory.groups[3];
    const since = new Date(fake.now() - 1).toISOString();
    fake.directory.removeMember(group?.id ?? "", group?.members?.[0] ?? "");
    const changed = await listAll(
      `/api/v1/groups?filter=${encodeURIComponent(`lastUpdated gt "${since}" or lastMembershipUpdated gt "${since}"`)}`,
    );
    expect(changed.items.map((g) => g.id)).toEqual([group?.id]);
  });

  it("answers a bad filter, limit or cursor with 400 E0000001", async () => {
    for (const query of [
      `filter=${encodeURIComponent('status gt "ACTIVE"')}`,
      `filter=${encodeURIComponent('lastUpdated gt "yesterday"')}`,
      `filter=${encodeURIComponent('profile.department eq "IT"')}`,
      `filter=${encodeURIComponent('status eq "ACTIVE" or')}`,
      "limit=0",
      "after=nonsense",
    ]) {
      const response = await get(`/api/v1/users?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ errorCode: "E0000001" });
    }
  });
});

describe("errors, limits and the request log", () => {
  it("answers 401 E0000011, 403 E0000006, 404 E0000007 in Okta's error format", async () => {
    const noToken = await get("/api/v1/users", {});
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({
      errorCode: "E0000011",
      errorSummary: "Invalid token provided",
      errorLink: "E0000011",
      errorId: expect.any(String),
      errorCauses: [],
    });
    expect((await get("/api/v1/users", { Authorization: "SSWS wrong" })).status).toBe(401);
    fake.setPermissions({ groups: false });
    const denied = await get("/api/v1/groups");
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ errorCode: "E0000006" });
    expect((await get("/api/v1/users")).status).toBe(200);
    const missing = await get("/api/v1/groups/00gnope/users");
    expect(missing.status).toBe(403);
    fake.setPermissions({ groups: true });
    expect(await (await get("/api/v1/groups/00gnope/users")).json()).toMatchObject({ errorCode: "E0000007" });
  });

  it("refuses and logs every method but GET", async () => {
    fake.clearRequests();
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await fetch(`${fake.url}/api/v1/users`, {
        method,
        headers: { Authorization: `SSWS ${fake.token}` },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET");
    }
    expect(fake.requests.map((r) => r.method)).toEqual(["POST", "PUT", "DELETE", "PATCH"]);
    await get("/api/v1/users?limit=5");
    expect(fake.requests.at(-1)).toMatchObject({
      method: "GET",
      path: "/api/v1/users",
      query: { limit: "5" },
    });
  });

  it("limits each endpoint family per minute of its clock, with Okta's headers and a real 429", async () => {
    fake.setRateLimits({ users: 3 });
    const now = fake.now();
    const reset = String(Math.floor(now / 60_000) * 60 + 60);
    for (const remaining of ["2", "1", "0"]) {
      const ok = await get("/api/v1/users?limit=1");
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-rate-limit-limit")).toBe("3");
      expect(ok.headers.get("x-rate-limit-remaining")).toBe(remaining);
      expect(ok.headers.get("x-rate-limit-reset")).toBe(reset);
      expect(Date.parse(ok.headers.get("date") ?? "")).toBe(Math.floor(now / 1000) * 1000);
    }
    const limited = await get("/api/v1/users?limit=1");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ errorCode: "E0000047" });
    expect((await get("/api/v1/groups?limit=1")).status).toBe(200);
    fake.advanceClock(60_000);
    expect((await get("/api/v1/users?limit=1")).status).toBe(200);
  });

  it("answers 429 beyond its concurrency cap", async () => {
    fake.setRateLimits({ concurrency: 2 });
    fake.injectFault({ fault: { kind: "delay", ms: 150 }, times: 3 });
    const statuses = await Promise.all(
      [1, 2, 3].map(() => get("/api/v1/users?limit=1").then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([200, 200, 429]);
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(3);
  });

  it("serves the org's public identity without a token", async () => {
    const response = await get("/.well-known/okta-organization", {});
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: fake.orgId,
      pipeline: "idx",
      _links: { organization: { href: fake.url } },
    });
  });
});

describe("faults on command", () => {
  it("fails the third page once with a 5xx, then serves it", async () => {
    fake.injectFault({ fault: { kind: "status", status: 503 }, path: "/api/v1/users", skip: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get("/api/v1/users?limit=1")).status);
    expect(statuses).toEqual([200, 200, 503, 200]);
  });

  it("sends malformed JSON, a wrong shape, slow answers and no answer at all", async () => {
    fake.injectFault({ fault: { kind: "malformed-json" } });
    await expect((await get("/api/v1/users")).json()).rejects.toThrow();
    fake.injectFault({ fault: { kind: "wrong-shape" } });
    expect(await (await get("/api/v1/users")).json()).toEqual({ users: "not a list" });
    fake.injectFault({ fault: { kind: "delay", ms: 120 } });
    const started = performance.now();
    await get("/api/v1/users?limit=1");
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    fake.injectFault({ fault: { kind: "hang" } });
    await expect(
      fetch(`${fake.url}/api/v1/users`, {
        headers: { Authorization: `SSWS ${fake.token}` },
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow();
  });

  it("revokes the token after N requests", async () => {
    fake.revokeTokenAfter(2);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get("/api/v1/users?limit=1")).status);
    expect(statuses).toEqual([200, 200, 401, 401]);
  });
});

describe("hostile mode", () => {
  const token = "00Hostile/Token+With=Specials";
  const forms = [
    token,
    encodeURIComponent(token),
    Buffer.from(token).toString("base64"),
    Buffer.from(token).toString("base64url"),
  ];

  it("echoes the request's token, in every encoding, in every error field and in Location", async () => {
    fake.setHostile({ echoToken: true });
    const response = await get("/api/v1/users", { Authorization: `SSWS ${token}` });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    for (const field of ["errorCode", "errorSummary", "errorId"]) {
      for (const form of forms) expect(body[field]).toContain(form);
    }
    expect(String(body.errorLink)).toContain(encodeURIComponent(token));
    expect(JSON.stringify(body.errorCauses)).toContain(`SSWS ${token}`);
    expect(response.headers.get("location")).toContain(encodeURIComponent(token));
    expect(response.headers.get("www-authenticate")).toContain(token);
    fake.injectFault({ fault: { kind: "redirect" } });
    const redirect = await fetch(`${fake.url}/api/v1/users`, {
      headers: { Authorization: `SSWS ${fake.token}` },
      redirect: "manual",
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toContain(encodeURIComponent(fake.token));
  });

  it("answers 429 with a reset 20 days ahead", async () => {
    fake.setHostile({ rateLimitResetInMs: FAR_RESET_MS });
    const response = await get("/api/v1/users");
    expect(response.status).toBe(429);
    const reset = Number(response.headers.get("x-rate-limit-reset")) * 1000;
    expect(reset - Date.parse(response.headers.get("date") ?? "")).toBeGreaterThanOrEqual(FAR_RESET_MS);
  });

  it("fails member pages of more than 200 users on demand, so a client's fallback to 200 can be tested", async () => {
    const group = fake.directory.groups.find((g) => (g.members?.length ?? 0) > 3);
    const members = `/api/v1/groups/${group?.id}/users`;
    fake.setHostile({ bigMemberPageFault: { kind: "status", status: 500 } });
    expect((await get(members)).status).toBe(500);
    expect((await get(`${members}?limit=1000`)).status).toBe(500);
    expect((await get(`${members}?limit=201`)).status).toBe(500);
    expect((await get(`${members}?limit=200`)).status).toBe(200);
    expect((await get("/api/v1/users?limit=200")).status).toBe(200);
    fake.setHostile({ bigMemberPageFault: { kind: "hang" } });
    await expect(
      fetch(`${fake.url}${members}?limit=1000`, {
        headers: { Authorization: `SSWS ${fake.token}` },
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow();
    expect(await json(await get(`${members}?limit=200`))).toHaveLength(group?.members?.length ?? -1);
    fake.setHostile({ bigMemberPageFault: null });
    expect((await get(members)).status).toBe(200);
  });

  it("empties the org on demand, and brings it back", async () => {
    const group = fake.directory.groups[3];
    fake.setHostile({ emptyOrg: true });
    expect(await json(await get("/api/v1/users"))).toEqual([]);
    expect(await json(await get("/api/v1/groups"))).toEqual([]);
    expect((await get(`/api/v1/groups/${group?.id}/users`)).status).toBe(404);
    fake.setHostile({ emptyOrg: false });
    expect(await json(await get("/api/v1/groups"))).toHaveLength(fake.directory.groups.length);
  });
});

describe("the admin API", () => {
  const admin = (command: string, ...args: unknown[]) =>
    fetch(`${fake.url}/__admin/${command}`, { method: "POST", body: JSON.stringify(args) }).then(
      async (r) => ({
        status: r.status,
        body: (await r.json()) as { result?: Record<string, unknown>; error?: string },
      }),
    );

  it("changes users on the fake's clock, as Okta would show them to the next sync", async () => {
    const user = fake.directory.users[20];
    if (!user) throw new Error("no user");
    const clock = (await admin("advanceClock", 3_600_000)).body.result as unknown as number;
    await admin("updateUser", user.id, { firstName: "Renée", nickName: null });
    const since = encodeURIComponent(`lastUpdated ge "${new Date(clock).toISOString()}"`);
    let changed = await json(await get(`/api/v1/users?filter=${since}`));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ id: user.id, lastUpdated: new Date(clock).toISOString() });
    expect(changed[0]?.profile).toMatchObject({ firstName: "Renée", nickName: null });

    await admin("deactivateUser", user.id);
    changed = await json(await get(`/api/v1/users?filter=${since}`));
    expect(changed[0]).toMatchObject({ status: "DEPROVISIONED" });
    const created = (await admin("createUser", { login: "new.person@example.com", email: null })).body.result;
    await admin("deleteUser", user.id);
    changed = await json(await get(`/api/v1/users?filter=${since}`));
    expect(changed.map((u) => u.id)).toEqual([created?.id]);
    expect((await admin("deleteUser", user.id)).status).toBe(404);
  });

  it("creates, renames and deletes groups and changes their members", async () => {
    const group = (await admin("createGroup", "Night Shift", "Ops at night")).body.result;
    const [a, b] = fake.directory.users;
    await admin("addMember", group?.id, a?.id);
    await admin("addMember", group?.id, b?.id);
    await admin("removeMember", group?.id, a?.id);
    expect((await json(await get(`/api/v1/groups/${group?.id}/users`))).map((u) => u.id)).toEqual([b?.id]);
    await admin("renameGroup", group?.id, "Late Shift");
    const groups = await json(await get("/api/v1/groups"));
    expect(groups.find((g) => g.id === group?.id)?.profile).toEqual({
      name: "Late Shift",
      description: "Ops at night",
    });
    await admin("deleteGroup", group?.id);
    expect((await get(`/api/v1/groups/${group?.id}/users`)).status).toBe(404);
  });

  it("sets limits and faults, tells its state and lists the requests it received", async () => {
    await admin("setRateLimits", { groups: 1 });
    await admin("injectFault", { fault: { kind: "status", status: 500 }, path: "/api/v1/users" });
    expect((await get("/api/v1/users")).status).toBe(500);
    expect((await get("/api/v1/groups")).status).toBe(200);
    expect((await get("/api/v1/groups")).status).toBe(429);
    const state = await (await fetch(`${fake.url}/__admin/state`)).json();
    expect(state).toMatchObject({ users: fake.directory.users.length, limits: { groups: 1 } });
    const log = (await (await fetch(`${fake.url}/__admin/requests`)).json()) as { path: string }[];
    expect(log.at(-1)).toMatchObject({ method: "GET", path: "/api/v1/groups" });
    expect(log.some((r) => r.path.startsWith("/__admin"))).toBe(false);
    expect((await admin("noSuchCommand")).status).toBe(404);
    expect((await admin("updateUser", "00unope", {})).status).toBe(404);
    await admin("setHostile", { emptyOrg: true });
    expect(await json(await get("/api/v1/users"))).toEqual([]);
  });
});
