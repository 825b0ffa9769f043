import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { HOSTILE_TOKEN, leakedForms } from "@/lib/okta/testing";
import { FAR_RESET_MS, type FakeOkta, type FakeOktaOptions } from "@/scripts/fake-okta";
import { apiRequests, serviceAppSuites } from "@/test-support/service-app";
import {
  countsOf,
  expectedCounts,
  orgData,
  snapshot,
  syncOnce,
  withSyncHarness,
} from "@/test-support/sync-e2e";

// Real syncs end to end (see user-sync.integration.test.ts) through Okta's and the database's
// failures: rate limits, 5xx, slow and malformed pages, a revoked token, a failed write.
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));

const harness = withSyncHarness();

const GROUPS = [{ name: "Ops", members: [0, 1, 2] }];

async function setup(users: number, options: Partial<FakeOktaOptions> = {}) {
  const fake = await harness.startFakeOkta({
    data: orgData(users, GROUPS),
    maxPageSize: { users: 5, members: 10 },
    ...options,
  });
  const fixture = await harness.syncOf(fake, { fullSyncEveryHours: 0 });
  return { fake, fixture };
}

/** A first run imports `users`; then 2 are deleted in Okta, so the next complete run would remove them. */
async function syncedWithPendingRemovals(users: number) {
  const org = await setup(users);
  const first = await syncOnce(harness.db, harness.runner, org.fixture);
  expect(first.run.usersCreated).toBe(users);
  for (const user of org.fake.directory.users.slice(0, 2)) org.fake.directory.deleteUser(user.id);
  org.fake.clearRequests();
  return { ...org, before: await snapshot(harness.db, org.fixture.userSyncId) };
}

const family = (path: string) => (path.startsWith("/api/v1/users") ? "users" : "groups");

describe("Okta's failures", () => {
  it("waits out 429s until the reset, and completes", { timeout: 90_000 }, async () => {
    // One request a second per family: the pacer spaces requests; a new step's first request in a
    // spent window, and the injected storm, get 429s.
    const { fake, fixture } = await setup(20, { rateLimitWindowMs: 1000, rateLimits: { groups: 1 } });
    fake.injectFault({ fault: { kind: "status", status: 429 }, path: "/api/v1/users", times: 2 });
    const { run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 20, usersCreated: 20, groupsCreated: 2, membershipsAdded: 23 }),
    );
    const requests = apiRequests(fake);
    const limited = requests.filter((r) => r.status === 429);
    // The storm on users; groups' depend on when steps begin within a window.
    expect(limited.filter((r) => r.path === "/api/v1/users")).toHaveLength(2);
    for (const refused of limited) {
      const after = requests.slice(requests.indexOf(refused) + 1);
      const next = after.find((r) => family(r.path) === family(refused.path));
      // Not before the window's reset (the fake's windows are whole seconds).
      expect(next?.at).toBeGreaterThanOrEqual(Math.floor(refused.at / 1000) * 1000 + 1000);
    }
    expect(requests.every((r) => r.status === 200 || r.status === 429)).toBe(true);
  });

  it("fails a run whose 429 asks to wait 20 days, saying until when, and frees the sync", async () => {
    const { fake, fixture } = await setup(20, { hostile: { rateLimitResetInMs: FAR_RESET_MS } });
    const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(inngest.status).toBe("Failed");
    // A full run lists its groups first.
    expect(countsOf(run)).toEqual(expectedCounts({ status: "FAILED", phase: "GROUPS" }));
    const until = new Date(fake.requests[0]?.at ?? 0).getTime() + FAR_RESET_MS;
    const asked = /^Okta asked to wait until (\S+), longer than a sync waits/.exec(run.error ?? "");
    expect(Math.abs(Date.parse(asked?.[1] ?? "") - until)).toBeLessThan(2000);
    // Not retried: waiting would be asked again. A service app meets it at its token request.
    expect(fake.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      serviceAppSuites ? "/oauth2/v1/token 429" : "/api/v1/groups 429",
    ]);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.activeRunId).toBeNull();
    fake.setHostile({ rateLimitResetInMs: null });
    expect((await syncOnce(harness.db, harness.runner, fixture)).run.status).toBe("SUCCEEDED");
  });

  it("fails a run at once when the org does not exist (Okta answers 404), saying so, and frees the sync", async () => {
    const { fake, fixture } = await setup(20);
    fake.injectFault({ fault: { kind: "status", status: 404 }, path: "/api/v1/users", times: 10 });
    const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(inngest.status).toBe("Failed");
    expect(run.error).toMatch(/\(HTTP 404 .*on GET \/api\/v1\/users/);
    // Not retried: another attempt would be answered the same.
    expect(fake.requests.filter((r) => r.status === 404)).toHaveLength(1);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.activeRunId).toBeNull();
  });

  it("retries 5xx bursts and slow pages, and completes with exact counts", async () => {
    const { fake, fixture } = await setup(20);
    fake.injectFault({ fault: { kind: "status", status: 503 }, path: "/api/v1/users", skip: 1, times: 2 });
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/api/v1/groups/", times: 1 });
    fake.injectFault({ fault: { kind: "delay", ms: 1500 }, path: "/api/v1/groups", times: 1 });
    const { run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 20, usersCreated: 20, groupsCreated: 2, membershipsAdded: 23 }),
    );
    // The users and the members are read side by side: the failures' order is theirs.
    expect(
      apiRequests(fake)
        .map((r) => r.status)
        .filter((s) => s !== 200)
        .sort(),
    ).toEqual([500, 503, 503]);
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(20);
  });

  it("retries a step whose page is malformed once, without applying anything twice", async () => {
    const { fake, fixture } = await setup(30);
    // The sixth users page (the second users step's first) is broken once: that step is retried.
    fake.injectFault({ fault: { kind: "malformed-json" }, path: "/api/v1/users", skip: 5, times: 1 });
    const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(inngest.status).toBe("Completed");
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 30, usersCreated: 30, groupsCreated: 2, membershipsAdded: 33 }),
    );
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(30);
    expect(await harness.db.syncRunItem.count({ where: { syncRunId: run.id } })).toBe(30);
  });

  it("fails the run with a truthful error when a page stays malformed, and deletes no one", async () => {
    const { fake, fixture, before } = await syncedWithPendingRemovals(60);
    // The first step's 10 pages are sound; the second step's first page stays malformed.
    fake.injectFault({ fault: { kind: "wrong-shape" }, path: "/api/v1/users", skip: 10, times: 1000 });
    const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(inngest.status).toBe("Failed");
    expect(countsOf(run)).toEqual(
      expectedCounts({ status: "FAILED", phase: "USERS", usersProcessed: 50, usersUnchanged: 50 }),
    );
    expect(run.error).toBe(
      "Okta's answer to GET /api/v1/users has an unexpected shape (body: Invalid input: expected array, received object).",
    );
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);
    expect(await harness.db.syncRunSeen.count({ where: { syncRunId: run.id } })).toBe(0);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.activeRunId).toBeNull();
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: run.id } });
    expect([report.template, report.to, report.subject]).toEqual([
      "sync-report",
      fixture.owner.email,
      "Okta Workspace sync report: Failed — 0 created, 0 updated",
    ]);
  });

  it("fails the run at once when the token is revoked mid-run (no retry can fix it), deletes no one, and never shows the token", async () => {
    const { fake, fixture, before } = await syncedWithPendingRemovals(30);
    fake.revokeTokenAfter(3);
    fake.clearRequests();
    const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(inngest.status).toBe("Failed");
    // A 401 for each listing read side by side (the users, the members) at most, not a step
    // retried for minutes (Inngest's schedule would take ~20); a service app's access token is
    // renewed once first.
    const rejected = fake.requests.filter((r) => r.status === 401).length;
    expect(rejected).toBeLessThanOrEqual(serviceAppSuites ? 4 : 2);
    expect(countsOf(run)).toEqual(expectedCounts({ status: "FAILED", phase: "USERS" }));
    expect(run.error).toMatch(
      serviceAppSuites
        ? /^Okta rejected the service app's access token even when new: .* \(HTTP 401 E0000011 on GET \/api\/v1\/users /
        : /^Okta rejected the API token: .* \(HTTP 401 E0000011 on GET \/api\/v1\/users /,
    );
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: run.id } });
    for (const text of [run.error, report.subject, report.text, report.html, JSON.stringify(inngest)]) {
      expect(text).not.toContain(fake.token);
    }
  });
});

describe("a hostile Okta echoing the token", () => {
  /** Everything the app printed while `work` ran. */
  async function printed(work: () => Promise<void>): Promise<string> {
    const spies = [
      ...(["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level)),
      vi.spyOn(process.stdout, "write"),
      vi.spyOn(process.stderr, "write"),
    ];
    try {
      await work();
      return spies.flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(" "))).join("\n");
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  const runnerState = () => {
    const dir = path.join(harness.dataDir, "runs");
    return readdirSync(dir)
      .map((name) => readFileSync(path.join(dir, name), "utf8"))
      .join("\n");
  };

  it.each([
    ["revokes the token mid-run (401s)", (fake: FakeOkta) => fake.revokeTokenAfter(3)],
    [
      "redirects (302)",
      (fake: FakeOkta) =>
        fake.injectFault({ fault: { kind: "redirect" }, path: "/api/v1/users", skip: 2, times: 100 }),
    ],
    [
      "fails (500s)",
      (fake: FakeOkta) =>
        fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/api/v1/groups", times: 1000 }),
    ],
  ])("fails the run when it %s, the token in no encoding anywhere", async (_name, arrange) => {
    const { fake, fixture } = await setup(20, { token: HOSTILE_TOKEN, hostile: { echoToken: true } });
    arrange(fake);
    let outcome: Awaited<ReturnType<typeof syncOnce>> | undefined;
    const output = await printed(async () => {
      outcome = await syncOnce(harness.db, harness.runner, fixture);
    });
    if (!outcome) throw new Error("no run");
    const { inngest, run } = outcome;
    expect(inngest.status).toBe("Failed");
    expect(run.status).toBe("FAILED");
    expect(run.error).toBeTruthy();
    const emails = await harness.db.email.findMany({ where: { syncRunId: run.id } });
    expect(emails.map((e) => e.template)).toEqual(["sync-report"]);
    const exposed = {
      error: run.error,
      emails: emails.map((e) => [e.subject, e.html, e.text, e.error]),
      output,
      inngest: JSON.stringify(inngest),
      runnerState: runnerState(),
    };
    for (const [where, text] of Object.entries(exposed)) {
      expect(
        leakedForms(typeof text === "string" ? text : JSON.stringify(text), HOSTILE_TOKEN),
        where,
      ).toEqual([]);
    }
  });
});

describe("the database's failures", () => {
  it("retries a step whose write failed, and applies it once", async () => {
    const { fixture } = await setup(20);
    // The first insert into GroupMembership raises (a sequence is not rolled back with the step).
    await harness.db.$executeRawUnsafe(`CREATE SEQUENCE fail_once_seq`);
    await harness.db.$executeRawUnsafe(`
      CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('fail_once_seq') = 1 THEN RAISE EXCEPTION 'injected write failure'; END IF;
        RETURN NULL;
      END $$`);
    await harness.db.$executeRawUnsafe(
      `CREATE TRIGGER fail_once BEFORE INSERT ON "GroupMembership" FOR EACH STATEMENT EXECUTE FUNCTION fail_once()`,
    );
    try {
      const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
      expect(inngest.status).toBe("Completed");
      expect(countsOf(run)).toEqual(
        expectedCounts({ usersProcessed: 20, usersCreated: 20, groupsCreated: 2, membershipsAdded: 23 }),
      );
      const [{ fired }] = await harness.db.$queryRawUnsafe<[{ fired: number }]>(
        `SELECT last_value::int AS fired FROM fail_once_seq`,
      );
      // Once failing, then the retried users step's two inserts (the members read alongside, then
      // those staged until their users were in), then Everyone's in MEMBERSHIPS.
      expect(fired).toBe(4);
      expect(
        await harness.db.groupMembership.count({ where: { group: { userSyncId: fixture.userSyncId } } }),
      ).toBe(23);
    } finally {
      await harness.db.$executeRawUnsafe(`DROP TRIGGER fail_once ON "GroupMembership"`);
      await harness.db.$executeRawUnsafe(`DROP FUNCTION fail_once`);
      await harness.db.$executeRawUnsafe(`DROP SEQUENCE fail_once_seq`);
    }
  });
});
