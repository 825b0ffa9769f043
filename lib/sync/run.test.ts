import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectoryProvider, ListOptions } from "@/lib/directory/types";
import type { TestDb } from "@/test-support/db";
import { advanceSync } from "./engine";
import { ANALYZE_AFTER_ROWS, describeError, failRun, refreshStatistics, startRunRequest } from "./run";
import { countsOf, driveRun, HOUR, membershipMap, openTestDb, syncHarness } from "./testing/fixtures";
import type { MemoryDirectory } from "./testing/memory-directory";
import type { SyncState, SyncStepResult } from "./types";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

/** Users u1–u7 over 4 pages of 2; g1 with 5 members over 3 pages; g2 with 2; g3 empty. */
function populate(directory: MemoryDirectory) {
  const ids = ["u1", "u2", "u3", "u4", "u5", "u6", "u7"];
  for (const id of ids) directory.putUser({ externalId: id });
  directory.putUser({ externalId: "u8", email: "u1@acme.test" });
  for (const id of ["g1", "g2", "g3"]) directory.putGroup({ externalId: id });
  directory.setMembers("g1", ids.slice(0, 5));
  directory.setMembers("g2", ["u6", "u7"]);
}

const SMALL_PAGES = {
  directory: { pageSize: 2, groupPageSize: 2, memberPageSize: 2 },
  budget: { userPages: 2, groupPages: 1, memberPages: 2 },
};

async function outcome(h: Awaited<ReturnType<typeof syncHarness>>, runId: string) {
  const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: runId } });
  const users = await t.db.directoryUser.findMany({
    where: { userSyncId: h.sync.id },
    orderBy: { externalId: "asc" },
  });
  const items = await t.db.syncRunItem.groupBy({ by: ["kind"], where: { syncRunId: runId }, _count: true });
  return {
    status: run.status,
    counts: countsOf(run),
    pagesFetched: run.pagesFetched,
    usersProcessed: run.usersProcessed,
    users: users.map((u) => u.externalId),
    memberships: await membershipMap(t.db, h.sync.id),
    items: Object.fromEntries(items.map((i) => [i.kind, i._count])),
  };
}

describe("starting a run", () => {
  it("of 20 concurrent requests, one starts a run and the others get it", async () => {
    const h = await syncHarness(t.db);
    const request = {
      organizationId: h.sync.organizationId,
      userSyncId: h.sync.id,
      trigger: "MANUAL" as const,
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => startRunRequest(t.db, { ...request, startedById: h.adminId })),
    );

    const started = results.flatMap((r) => (r.started ? [r.run] : []));
    expect(started).toHaveLength(1);
    const [run] = started;
    expect(run).toMatchObject({
      status: "QUEUED",
      phase: "QUEUED",
      trigger: "MANUAL",
      startedById: h.adminId,
    });
    expect(results.filter((r) => !r.started && r.activeRun?.id === run?.id)).toHaveLength(19);
    expect(await t.db.syncRun.count({ where: { userSyncId: h.sync.id } })).toBe(1);
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } })).activeRunId).toBe(run?.id);

    await driveRun(h.deps, run?.id ?? "", { seq: 0 });
    expect((await startRunRequest(t.db, { ...request, startedById: null })).started).toBe(true);
  });

  it("runs full, then incremental from the last start less 5 minutes, then full again when due", async () => {
    const h = await syncHarness(t.db, { settings: { fullSyncEveryHours: 6 } });
    const seen: (Date | undefined)[] = [];
    const spy: DirectoryProvider = {
      memberPageSize: h.directory.memberPageSize,
      listUsers: (cursor, options?: ListOptions) => {
        seen.push(options?.updatedSince);
        return h.directory.listUsers(cursor, options);
      },
      listGroups: (cursor, options) => h.directory.listGroups(cursor, options),
      listGroupMembers: (group, cursor) => h.directory.listGroupMembers(group, cursor),
    };
    const deps = { ...h.deps, provider: spy };
    h.directory.putUser({ externalId: "u1" });

    const first = await runWith(deps, h);
    h.clock.advance(2 * HOUR);
    const second = await runWith(deps, h);
    h.clock.advance(2 * HOUR);
    const forced = await runWith(deps, h, true);
    h.clock.advance(5 * HOUR);
    const third = await runWith(deps, h);
    h.clock.advance(6 * HOUR);
    const due = await runWith(deps, h);

    expect([first, second, forced, third, due].map((r) => r.mode)).toEqual([
      "FULL",
      "INCREMENTAL",
      "FULL",
      "INCREMENTAL",
      "FULL",
    ]);
    expect(seen).toEqual([
      undefined,
      new Date((first.startedAt?.getTime() ?? 0) - 5 * 60_000),
      undefined,
      new Date((forced.startedAt?.getTime() ?? 0) - 5 * 60_000),
      undefined,
    ]);
    expect([first, second, forced, third, due].map((r) => r.usersExpected)).toEqual([0, null, 1, null, 1]);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } });
    expect(sync).toMatchObject({ lastFullSyncAt: due.startedAt, lastSyncedFrom: due.startedAt });
  });
});

async function runWith(
  deps: Awaited<ReturnType<typeof syncHarness>>["deps"],
  h: { sync: { id: string; organizationId: string } },
  forceFull = false,
) {
  const started = await startRunRequest(t.db, {
    organizationId: h.sync.organizationId,
    userSyncId: h.sync.id,
    trigger: "SCHEDULED",
    startedById: null,
    forceFull,
  });
  if (!started.started) throw new Error("expected a new run");
  return (await driveRun(deps, started.run.id, { seq: 0 })).run;
}

describe("exactly-once steps", () => {
  it("shows true progress between steps", async () => {
    const h = await syncHarness(t.db, SMALL_PAGES);
    populate(h.directory);
    const started = await startRunRequest(t.db, {
      organizationId: h.sync.organizationId,
      userSyncId: h.sync.id,
      trigger: "MANUAL",
      startedById: null,
    });
    const runId = started.started ? started.run.id : "";
    // Start; the groups, a page a step (a full run lists them first); a users step.
    const outputs: SyncStepResult[] = [];
    let state: Pick<SyncState, "seq"> = { seq: 0 };
    for (let i = 0; i < 4; i++) {
      const result = await advanceSync(h.deps, runId, state);
      outputs.push(result);
      if (result.status === "running") state = result.state;
    }
    const afterUsers = outputs.at(-1);
    expect(outputs.map((o) => (o.status === "running" ? o.state.phase : o.status))).toEqual([
      "GROUPS",
      "GROUPS",
      "USERS",
      "USERS",
    ]);
    expect(afterUsers).toEqual({
      status: "running",
      state: expect.objectContaining({ seq: 4, phase: "USERS", cursor: expect.any(String) }),
    });
    const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: runId } });
    // 2 group pages, 2 user pages, and 2 member pages read alongside the users (g1's first two).
    expect(run).toMatchObject({
      status: "RUNNING",
      phase: "USERS",
      stepSeq: 4,
      pagesFetched: 6,
      oktaRequests: 6,
      usersProcessed: 4,
      usersCreated: 4,
      membershipsAdded: 4,
    });
    expect(run.checkpoint).toEqual(afterUsers?.status === "running" ? afterUsers.state : null);
  });

  it("a provider error propagates and leaves the run where it was", async () => {
    const h = await syncHarness(t.db, SMALL_PAGES);
    populate(h.directory);
    h.directory.failOn("listUsers", 2);
    const started = await startRunRequest(t.db, {
      organizationId: h.sync.organizationId,
      userSyncId: h.sync.id,
      trigger: "MANUAL",
      startedById: null,
    });
    const runId = started.started ? started.run.id : "";
    let state = { seq: 0 } as SyncState;
    for (let i = 0; i < 3; i++) {
      const result = await advanceSync(h.deps, runId, state);
      if (result.status === "running") state = result.state;
    }
    expect(state).toMatchObject({ seq: 3, phase: "USERS" });

    await expect(advanceSync(h.deps, runId, state)).rejects.toThrow(
      "Directory unavailable (listUsers call 2)",
    );
    const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: runId } });
    // The groups' 2 pages applied; the failed step's 2 user and 2 member requests counted.
    expect(run).toMatchObject({
      stepSeq: 3,
      phase: "USERS",
      usersCreated: 0,
      membershipsAdded: 0,
      pagesFetched: 2,
      oktaRequests: 6,
    });
    expect(await t.db.directoryUser.count({ where: { userSyncId: h.sync.id } })).toBe(0);
    await expect(advanceSync(h.deps, runId, { seq: 5 })).rejects.toThrow("is at step 3, not 5");
  });

  it("retried steps, repeated steps and concurrent attempts apply once: the outcome equals a clean run's", async () => {
    const clean = await syncHarness(t.db, SMALL_PAGES);
    populate(clean.directory);
    const expected = await outcome(clean, (await clean.run()).run.id);
    expect(expected).toMatchObject({
      status: "PARTIAL",
      counts: { usersCreated: 7, usersFailed: 1, membershipsAdded: 7 },
    });

    // Each listing fails once mid-way; the driver retries the step as Inngest would.
    const retried = await syncHarness(t.db, SMALL_PAGES);
    populate(retried.directory);
    retried.directory.failOn("listUsers", 2);
    retried.directory.failOn("listGroups", 2);
    retried.directory.failOn("listGroupMembers", 3);
    // A full run's users steps read members too: a step may meet two of the failures.
    const retriedRun = await retried.run({ attempts: 3 });
    expect(await outcome(retried, retriedRun.run.id)).toEqual(expected);
    // Requests count every call made, those of failed attempts included.
    expect(retriedRun.run.oktaRequests).toBe(retried.directory.callCount());
    expect(retriedRun.run.oktaRequests).toBeGreaterThan(clean.directory.callCount() + 3);

    // Every step delivered twice (its output lost after it committed), the second time concurrently too.
    const repeated = await syncHarness(t.db, SMALL_PAGES);
    populate(repeated.directory);
    const started = await startRunRequest(t.db, {
      organizationId: repeated.sync.organizationId,
      userSyncId: repeated.sync.id,
      trigger: "MANUAL",
      startedById: null,
    });
    const runId = started.started ? started.run.id : "";
    let state: Pick<SyncState, "seq"> = { seq: 0 };
    for (;;) {
      const [a, b] = await Promise.all([
        advanceSync(repeated.deps, runId, state),
        advanceSync(repeated.deps, runId, state),
      ]);
      const again = await advanceSync(repeated.deps, runId, state);
      expect(b).toEqual(a);
      expect(again).toEqual(a);
      if (a.status !== "running") break;
      state = a.state;
    }
    expect(await outcome(repeated, runId)).toEqual(expected);
  });
});

describe("failRun", () => {
  it("ends the run FAILED without secrets, frees the sync, and leaves an ended run alone", async () => {
    const h = await syncHarness(t.db);
    h.directory.putUser({ externalId: "u1" });
    const { run: previous } = await h.run();
    const started = await startRunRequest(t.db, {
      organizationId: h.sync.organizationId,
      userSyncId: h.sync.id,
      trigger: "MANUAL",
      startedById: null,
    });
    const runId = started.started ? started.run.id : "";
    await advanceSync(h.deps, runId, { seq: 0 });

    expect(
      await failRun(
        t.db,
        runId,
        new Error("GET https://acme.okta.com/x?token=abc123 failed: Bearer eyJhbGciOi.x.y"),
      ),
    ).toBe(true);
    expect(await failRun(t.db, runId, "again")).toBe(false);
    const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({
      status: "FAILED",
      // A full run lists its groups first.
      phase: "GROUPS",
      error: "GET https://acme.okta.com/x?token=[redacted] failed: Bearer [redacted]",
    });
    expect(await advanceSync(h.deps, runId, { seq: 1 })).toEqual({ status: "finished", runStatus: "FAILED" });
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } });
    expect(sync).toMatchObject({ activeRunId: null, lastSyncedFrom: previous.startedAt });
    expect(describeError({ toString: () => "SSWS 00aBcD" })).toBe("SSWS [redacted]");
  });
});

describe("planner statistics after a large run", () => {
  const lastAnalyze = async () => {
    const [row] = await t.db.$queryRaw<{ at: Date | null }[]>`
      SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'DirectoryUser'`;
    return row?.at ?? null;
  };
  const counts = { usersCreated: 0, usersDeleted: 0, membershipsAdded: 0, membershipsRemoved: 0 };

  it("are left to autovacuum after a small run, and refreshed after one that changed many rows", async () => {
    const before = await lastAnalyze();
    expect(await refreshStatistics(t.db, { ...counts, usersCreated: 10, membershipsAdded: 30 })).toBe(false);
    expect(await lastAnalyze()).toEqual(before);
    const large = {
      ...counts,
      usersCreated: ANALYZE_AFTER_ROWS / 2,
      membershipsRemoved: ANALYZE_AFTER_ROWS / 2,
    };
    expect(await refreshStatistics(t.db, large)).toBe(true);
    const after = await lastAnalyze();
    expect(after).not.toBeNull();
    expect(after?.getTime()).not.toBe(before?.getTime());
  });
});

describe("rate-limit waits", () => {
  it("a run whose directory keeps it waiting past the run's budget fails, saying so, and removes nothing", async () => {
    const h = await syncHarness(t.db, { directory: { pageSize: 1 }, budget: { userPages: 1 } });
    for (const id of ["u1", "u2", "u3", "u4", "u5"]) h.directory.putUser({ externalId: id });
    await h.run();
    h.directory.deleteUser("u5");
    // Every page costs 50 s of waiting on the rate limit, each wait under the per-wait cap.
    let waitedMs = 0;
    const slow: DirectoryProvider = {
      memberPageSize: h.directory.memberPageSize,
      get waitedMs() {
        return waitedMs;
      },
      listUsers: (cursor, options) => {
        waitedMs += 50_000;
        return h.directory.listUsers(cursor, options);
      },
      listGroups: (cursor, options) => h.directory.listGroups(cursor, options),
      listGroupMembers: (group, cursor) => h.directory.listGroupMembers(group, cursor),
    };
    const deps = { ...h.deps, provider: slow, rateLimitWaitBudgetMs: 120_000 };
    const start = await startRunRequest(t.db, {
      organizationId: h.sync.organizationId,
      userSyncId: h.sync.id,
      trigger: "MANUAL",
      startedById: null,
      forceFull: true,
    });
    const { run, result } = await driveRun(deps, start.started ? start.run.id : "", { seq: 0 });

    expect(result).toEqual({ status: "finished", runStatus: "FAILED" });
    // Three pages (150 s) went over the 120 s budget: the next step ends the run.
    expect(run).toMatchObject({
      status: "FAILED",
      phase: "USERS",
      rateLimitWaitMs: 150_000,
      usersDeleted: 0,
    });
    expect(run.error).toMatch(
      /^Okta's rate limits held this run for 2 min 30 s, longer than a sync waits \(2 min\)/,
    );
    expect(await t.db.directoryUser.count({ where: { userSyncId: h.sync.id } })).toBe(5);
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } })).activeRunId).toBeNull();
  });
});
