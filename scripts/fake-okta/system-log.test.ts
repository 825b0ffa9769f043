import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeOkta, type LogEvent, startFakeOkta } from "@/scripts/fake-okta";

/** The fake's System Log (`GET /api/v1/logs`), as a delta sync reads it. */

let fake: FakeOkta;
beforeAll(async () => {
  fake = await startFakeOkta({
    users: 40,
    groups: 5,
    seed: 5,
    frozenClock: true,
    startAt: new Date("2026-03-01T00:00:00.000Z"),
  });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.setRateLimits({ users: 600, logs: 60 });
  fake.setHostile({ logsForbidden: false });
  fake.setLogDelay(0);
  fake.advanceClock(60_000); // a fresh rate-limit window, and a later time for the next test's events
});

const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const get = (path: string) =>
  fetch(`${fake.url}${path}`, { headers: { Authorization: `SSWS ${fake.token}` } });
const logs = (query: Record<string, string | number>) =>
  get(`/api/v1/logs?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`);
const events = async (response: Response) => {
  expect(response.status).toBe(200);
  return (await response.json()) as LogEvent[];
};
const link = (response: Response, rel: string) =>
  new RegExp(`<([^>]+)>; rel="${rel}"`).exec(response.headers.get("link") ?? "")?.[1] ?? null;
const admin = async (command: string, ...args: unknown[]) => {
  const response = await fetch(`${fake.url}/__admin/${command}`, {
    method: "POST",
    body: JSON.stringify(args),
  });
  expect(response.status, command).toBe(200);
  return ((await response.json()) as { result: { id: string } }).result;
};

/** Every page of a listing, following `next` while `more` says so. */
async function follow(response: Response, more: (page: LogEvent[]) => boolean = () => true) {
  const pages: LogEvent[][] = [];
  for (let current: Response | null = response; current; ) {
    const page = await events(current);
    pages.push(page);
    const next = link(current, "next");
    current =
      next && more(page) ? await fetch(next, { headers: { Authorization: `SSWS ${fake.token}` } }) : null;
  }
  return pages;
}

/** Memberships added now, one event each: `count` of the generated users into a new group. */
async function addMembers(count: number) {
  const group = fake.directory.createGroup(`Batch ${fake.now()}`);
  for (const user of fake.directory.users.slice(0, count)) fake.directory.addMember(group.id, user.id);
  return group;
}

describe("the System Log records each change as Okta's events", () => {
  it("starts empty: the generated org's history predates the log", async () => {
    const empty = await startFakeOkta({ users: 20, groups: 3, seed: 2 });
    const response = await fetch(`${empty.url}/api/v1/logs`, {
      headers: { Authorization: `SSWS ${empty.token}` },
    });
    expect(await response.json()).toEqual([]);
    expect(empty.log.size).toBe(0);
    await empty.close();
  });

  it("logs user changes made over the admin API, each with the user as target", async () => {
    const since = iso(fake.now());
    const user = await admin("createUser", {
      login: "ines.faria@example.com",
      firstName: "Inês",
      lastName: "Faria",
    });
    await admin("updateUser", user.id, { department: "Ops" });
    await admin("setUserStatus", user.id, "SUSPENDED");
    await admin("setUserStatus", user.id, "ACTIVE");
    await admin("setUserStatus", user.id, "ACTIVE"); // no change, no event
    await admin("deactivateUser", user.id);
    await admin("deleteUser", user.id);
    const staged = await admin("createUser", { login: "staged@example.com" }, "STAGED");
    await admin("deleteUser", staged.id); // Okta would deactivate it first

    const logged = await events(await logs({ since }));
    expect(logged.map((e) => [e.eventType, e.target.map((t) => t.id)])).toEqual([
      ["user.lifecycle.create", [user.id]],
      ["user.lifecycle.activate", [user.id]],
      ["user.account.update_profile", [user.id]],
      ["user.lifecycle.suspend", [user.id]],
      ["user.lifecycle.unsuspend", [user.id]],
      ["user.lifecycle.deactivate", [user.id]],
      ["user.lifecycle.delete.initiated", [user.id]],
      ["user.lifecycle.delete.completed", [user.id]],
      ["user.lifecycle.create", [staged.id]],
      ["user.lifecycle.deactivate", [staged.id]],
      ["user.lifecycle.delete.initiated", [staged.id]],
      ["user.lifecycle.delete.completed", [staged.id]],
    ]);
    expect(logged[0]?.target[0]).toEqual({
      id: user.id,
      type: "User",
      alternateId: "ines.faria@example.com",
      displayName: "Inês Faria",
    });
    expect(logged[0]).toMatchObject({
      published: since,
      version: "0",
      severity: "INFO",
      displayMessage: "Create Okta user",
      legacyEventType: "core.user.config.user_creation.success",
      outcome: { result: "SUCCESS" },
      actor: { type: "User", alternateId: expect.any(String) },
    });
    // One admin call, one transaction; every event its own uuid.
    expect(logged[0]?.transaction.id).toBe(logged[1]?.transaction.id);
    expect(logged[2]?.transaction.id).not.toBe(logged[1]?.transaction.id);
    expect(new Set(logged.map((e) => e.uuid)).size).toBe(logged.length);
  });

  it("logs group and membership changes, membership targets User then UserGroup", async () => {
    const since = iso(fake.now());
    const [a, b] = fake.directory.users;
    if (!a || !b) throw new Error("no users");
    const group = await admin("createGroup", "Night Shift");
    await admin("addMember", group.id, a.id);
    await admin("addMember", group.id, a.id); // already a member, no event
    await admin("addMember", group.id, b.id);
    await admin("removeMember", group.id, a.id);
    await admin("removeMember", group.id, a.id); // not a member any more, no event
    await admin("renameGroup", group.id, "Late Shift");
    await admin("deleteGroup", group.id);

    const logged = await events(await logs({ since }));
    expect(logged.map((e) => [e.eventType, e.target.map((t) => `${t.type}:${t.id}`)])).toEqual([
      ["group.lifecycle.create", [`UserGroup:${group.id}`]],
      ["group.user_membership.add", [`User:${a.id}`, `UserGroup:${group.id}`]],
      ["group.user_membership.add", [`User:${b.id}`, `UserGroup:${group.id}`]],
      ["group.user_membership.remove", [`User:${a.id}`, `UserGroup:${group.id}`]],
      ["group.profile.update", [`UserGroup:${group.id}`]],
      ["group.lifecycle.delete", [`UserGroup:${group.id}`]],
    ]);
    expect(logged[1]?.target[1]).toEqual({
      id: group.id,
      type: "UserGroup",
      alternateId: "unknown",
      displayName: "Night Shift",
    });
    expect(logged[1]).toMatchObject({ legacyEventType: "core.user_group_member.user_add" });
    expect(logged.at(-1)?.target[0]?.displayName).toBe("Late Shift");
  });

  it("logs changes made in-process, as the benchmark makes them", async () => {
    const since = iso(fake.now());
    const user = fake.directory.users[3];
    if (!user) throw new Error("no user");
    fake.directory.updateUser(user.id, { department: "Moved" });
    fake.directory.setUserStatus(user.id, "LOCKED_OUT");
    fake.directory.setUserStatus(user.id, "ACTIVE");
    expect((await events(await logs({ since }))).map((e) => e.eventType)).toEqual([
      "user.account.update_profile",
      "user.account.lock",
      "user.account.unlock",
    ]);
  });
});

describe("queries, as Okta answers them", () => {
  it("pages a bounded query with absolute Link headers; its last page has no next", async () => {
    const since = fake.now();
    const group = await addMembers(25);
    fake.advanceClock(1000);
    const first = await logs({ since: iso(since), until: iso(fake.now()), limit: 10 });
    expect(link(first, "self")).toBe(
      `${fake.url}/api/v1/logs?since=${encodeURIComponent(iso(since))}&until=${encodeURIComponent(iso(fake.now()))}&limit=10`,
    );
    expect(link(first, "next")).toMatch(new RegExp(`^${fake.url}/api/v1/logs\\?.*after=`));
    const pages = await follow(first);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 6]);
    const all = pages.flat();
    expect(all.map((e) => e.eventType)).toEqual([
      "group.lifecycle.create",
      ...Array(25).fill("group.user_membership.add"),
    ]);
    expect(new Set(all.map((e) => e.uuid)).size).toBe(26);
    expect(all.every((e) => e.target.at(-1)?.id === group.id)).toBe(true);
  });

  it("always gives a polling query (no until) a next link, even on an empty page, that finds later events", async () => {
    const since = iso(fake.now());
    const empty = await logs({ since });
    expect(await events(empty)).toEqual([]);
    const poll = link(empty, "next");
    expect(poll).toMatch(/after=/);

    await addMembers(3);
    const later = await get((poll ?? "").slice(fake.url.length));
    expect((await events(later)).map((e) => e.eventType)).toEqual([
      "group.lifecycle.create",
      ...Array(3).fill("group.user_membership.add"),
    ]);
    // Caught up: an empty page, and a next link again; the events are not served twice.
    const caughtUp = await get((link(later, "next") ?? "").slice(fake.url.length));
    expect(await events(caughtUp)).toEqual([]);
    expect(link(caughtUp, "next")).not.toBeNull();
  });

  it("sorts DESCENDING (bounded even without until) and ASCENDING by default", async () => {
    const since = fake.now();
    for (let i = 0; i < 5; i++) {
      fake.advanceClock(1000);
      await addMembers(1);
    }
    const ascending = (
      await follow(await logs({ since: iso(since), limit: 4 }), (page) => page.length > 0)
    ).flat();
    const descending = await follow(await logs({ since: iso(since), sortOrder: "DESCENDING", limit: 4 }));
    expect(descending.map((page) => page.length)).toEqual([4, 4, 2]);
    expect(descending.flat().map((e) => e.uuid)).toEqual(ascending.map((e) => e.uuid).reverse());
    const published = ascending.map((e) => e.published);
    expect(published).toEqual([...published].sort());
  });

  it("bounds a query by published: since inclusive, until exclusive, since 7 days before until by default", async () => {
    const t1 = fake.now();
    await admin("createGroup", "At t1");
    fake.advanceClock(1000);
    const t2 = fake.now();
    await admin("createGroup", "At t2");
    fake.advanceClock(1000);
    await admin("createGroup", "At t3");
    const names = async (query: Record<string, string>) =>
      (await events(await logs(query))).map((e) => e.target[0]?.displayName);
    expect(await names({ since: iso(t1), until: iso(t2) })).toEqual(["At t1"]);
    expect(await names({ since: iso(t2), until: iso(t2 + 1) })).toEqual(["At t2"]);
    expect(await names({ since: iso(t2) })).toEqual(["At t2", "At t3"]);
    // A week and a moment later, t1 has left the default window of a query bounded by until.
    const until = t1 + 7 * DAY + 1;
    expect(await names({ until: iso(until) })).not.toContain("At t1");
    expect(await names({ until: iso(until - 1) })).toContain("At t1");
  });

  it("filters on eventType (or-ed), target.id, and both", async () => {
    const since = iso(fake.now());
    const group = await addMembers(2);
    const user = fake.directory.users[0];
    if (!user) throw new Error("no user");
    fake.directory.removeMember(group.id, user.id);
    fake.directory.updateUser(user.id, { title: "Lead" });
    const types = async (filter: string) =>
      (await events(await logs({ since, filter }))).map((e) => e.eventType);
    expect(
      await types('eventType eq "group.user_membership.add" or eventType eq "group.user_membership.remove"'),
    ).toEqual(["group.user_membership.add", "group.user_membership.add", "group.user_membership.remove"]);
    expect(await types(`target.id eq "${group.id}"`)).toEqual([
      "group.lifecycle.create",
      "group.user_membership.add",
      "group.user_membership.add",
      "group.user_membership.remove",
    ]);
    expect(
      await types(
        `target.id eq "${user.id}" and (eventType eq "user.account.update_profile" or eventType eq "x")`,
      ),
    ).toEqual(["user.account.update_profile"]);
  });

  it("serves 100 events a page by default and up to 1000", async () => {
    const since = iso(fake.now());
    await addMembers(39);
    await addMembers(39);
    await addMembers(39);
    expect(await events(await logs({ since }))).toHaveLength(100);
    expect(await events(await logs({ since, limit: 1000 }))).toHaveLength(120);
    expect(await events(await logs({ since, limit: 0 }))).toEqual([]);
  });

  it("answers 400 E0000001 to a bad limit, timestamp, range, order, filter or cursor, and to a since past the 90 days kept", async () => {
    const now = fake.now();
    for (const [parameter, query] of [
      ["limit", { limit: 1001 }],
      ["limit", { limit: -1 }],
      ["limit", { limit: "ten" }],
      ["since", { since: "yesterday" }],
      ["since", { since: "2026-13-01T00:00:00.000Z" }],
      ["until", { until: "1700000000" }],
      ["since", { since: iso(now), until: iso(now - 1) }],
      ["since", { since: iso(now - 91 * DAY) }],
      ["sortOrder", { sortOrder: "UP" }],
      ["filter", { filter: 'eventType gt "a"' }],
      ["filter", { filter: 'client.ipAddress eq "127.0.0.1"' }],
      ["after", { after: "nonsense" }],
    ] as const) {
      const response = await logs(query);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(await response.json()).toMatchObject({
        errorCode: "E0000001",
        errorSummary: expect.stringContaining(`Api validation failed: ${parameter}`),
      });
    }
    expect((await logs({ since: iso(now - 89 * DAY) })).status).toBe(200);
    expect((await logs({ since: "2026-03-01T00:00:00Z", until: "2026-03-02T00:00:00+01:00" })).status).toBe(
      200,
    );
  });
});

describe("the System Log's limits and moods", () => {
  it("has its own rate-limit family, lower than users': exhausting it leaves users untouched", async () => {
    const first = await logs({});
    expect(first.headers.get("x-rate-limit-limit")).toBe("60");
    fake.setRateLimits({ logs: 2 });
    expect((await logs({})).headers.get("x-rate-limit-remaining")).toBe("0");
    const limited = await logs({});
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ errorCode: "E0000047" });
    const users = await get("/api/v1/users?limit=1");
    expect(users.status).toBe(200);
    expect(users.headers.get("x-rate-limit-limit")).toBe("600");
    expect(users.headers.get("x-rate-limit-remaining")).toBe("599");
  });

  it("publishes events only after its delay: a query misses the last moments, a later overlapping one finds them", async () => {
    fake.setLogDelay(5000);
    const start = fake.now();
    await admin("createGroup", "Early");
    fake.advanceClock(3000);
    const late = await admin("createGroup", "Late");
    fake.advanceClock(2000); // "Early" is 5 s old, "Late" 2 s
    const cursor = fake.now();
    const names = (list: LogEvent[]) => list.map((e) => e.target[0]?.displayName);
    const first = await logs({ since: iso(start), until: iso(cursor) });
    expect(names(await events(first))).toEqual(["Early"]);
    const polled = await logs({ since: iso(start) });
    expect(names(await events(polled))).toEqual(["Early"]);

    fake.advanceClock(2999);
    expect(names(await events(await logs({ since: iso(start) })))).toEqual(["Early"]);
    fake.advanceClock(1);
    // The next run reads from its cursor less an overlap, and finds what the first one missed.
    const overlap = await events(await logs({ since: iso(cursor - 10_000), until: iso(fake.now()) }));
    expect(names(overlap)).toEqual(["Early", "Late"]);
    expect(overlap[1]?.target[0]?.id).toBe(late.id);
    const next = await get((link(polled, "next") ?? "").slice(fake.url.length));
    expect(names(await events(next))).toEqual(["Late"]);
  });

  it("answers 403 E0000006 to a token that may not read the log, and only on the log (logs-forbidden)", async () => {
    const on = await fetch(`${fake.url}/__admin/setHostile`, {
      method: "POST",
      body: JSON.stringify([{ logsForbidden: true }]),
    });
    expect(on.status).toBe(200);
    const denied = await logs({});
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      errorCode: "E0000006",
      errorSummary: "You do not have permission to perform the requested action",
    });
    expect((await get("/api/v1/users?limit=1")).status).toBe(200);
    expect((await get("/api/v1/groups?limit=1")).status).toBe(200);
    fake.setHostile({ logsForbidden: false });
    expect((await logs({})).status).toBe(200);
  });
});
