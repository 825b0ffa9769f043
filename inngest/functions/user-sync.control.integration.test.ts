import { InngestTestEngine } from "@inngest/test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { DirectoryJson } from "@/scripts/fake-okta";
import { finishedRun, getJson, waitFor } from "@/scripts/inngest-runner/testing/harness";
import type { Run } from "@/scripts/inngest-runner/types";
import {
  countsOf,
  expectedCounts,
  finishSync,
  inngestRunOf,
  orgData,
  RUN_FUNCTION,
  RUN_TIMEOUT_MS,
  snapshot,
  startSync,
  syncOnce,
  updatedAts,
  withSyncHarness,
} from "@/test-support/sync-e2e";
import type { SyncFixture, SyncFixtureOptions } from "@/test-support/sync-run";

// Real syncs end to end (see user-sync.integration.test.ts): the safeguard, cancelling, one run at
// a time, syncs of two organizations at once, replays.
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));

const harness = withSyncHarness();
let dispatch: typeof import("@/inngest/dispatch");
beforeAll(async () => {
  dispatch = await import("@/inngest/dispatch");
});

async function setup(data: DirectoryJson, sync: Partial<SyncFixtureOptions> = {}) {
  const fake = await harness.startFakeOkta({ data, maxPageSize: { users: 5, members: 5 } });
  const fixture = await harness.syncOf(fake, { fullSyncEveryHours: 0, ...sync });
  return { fake, fixture };
}

const statusOf = async (syncRunId: string) =>
  (await harness.db.syncRun.findUniqueOrThrow({ where: { id: syncRunId } })).status;

/** A synced org of 20 users, 5 of whom were then deleted in Okta: a run that would remove 25%. */
async function blockedRun() {
  const { fake, fixture } = await setup(orgData(20, [{ name: "Ops", members: [0, 1, 2, 10] }]));
  await syncOnce(harness.db, harness.runner, fixture);
  for (const user of fake.directory.users.slice(0, 5)) fake.directory.deleteUser(user.id);
  const started = await startSync(harness.db, harness.runner, fixture);
  await waitFor(async () => (await statusOf(started.syncRunId)) === "BLOCKED", RUN_TIMEOUT_MS);
  return { fake, fixture, started };
}

async function alertsOf(fixture: SyncFixture, syncRunId: string) {
  const alerts = await waitFor(async () => {
    const rows = await harness.db.email.findMany({ where: { syncRunId, template: "safeguard-alert" } });
    return rows.length === 2 ? rows : undefined;
  });
  return alerts.map((e) => [e.to, e.status, e.organizationId === fixture.organizationId]).sort();
}

describe("the safeguard", () => {
  it("holds a run that would remove 25% of the users, alerts the admins, and removes them once approved", async () => {
    const { fixture, started } = await blockedRun();
    const blocked = await harness.db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } });
    expect(blocked).toMatchObject({
      status: "BLOCKED",
      phase: "SAFEGUARD",
      pendingRemovals: 5,
      pendingGroupRemovals: 0,
      // The 3 users leaving Ops: staged, not yet removed.
      pendingMembershipRemovals: 3,
      usersDeleted: 0,
      membershipsRemoved: 0,
    });
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(20);
    // Owners and Administrators, not Members.
    expect(await alertsOf(fixture, started.syncRunId)).toEqual([
      [fixture.admin.email, "STORED", true],
      [fixture.owner.email, "STORED", true],
    ]);

    expect(await dispatch.decideSyncRun(harness.db, fixture.admin, started.syncRunId, "approve")).toBe(true);
    const { run } = await finishSync(harness.db, harness.runner, started);
    // Memberships: the 5 left Everyone and 3 of them Ops in Okta.
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 15, usersUnchanged: 15, usersDeleted: 5, membershipsRemoved: 8 }),
    );
    expect(run).toMatchObject({
      decision: "APPROVED",
      decidedById: fixture.admin.userId,
      pendingRemovals: 5,
    });
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(15);
    const report = await harness.db.email.findFirstOrThrow({
      where: { syncRunId: run.id, template: "sync-report" },
    });
    expect([report.to, report.subject]).toEqual([
      fixture.owner.email,
      "Okta Workspace sync report: Succeeded — 0 created, 0 updated, 5 removed",
    ]);
    // A decision on a run that no longer waits is refused.
    expect(await dispatch.decideSyncRun(harness.db, fixture.admin, started.syncRunId, "reject")).toBe(false);
  });

  it("removes no one when the removal is rejected", async () => {
    const { fixture, started } = await blockedRun();
    const before = await updatedAts(harness.db, fixture.userSyncId);
    const membershipsBefore = await harness.db.groupMembership.count({
      where: { group: { userSyncId: fixture.userSyncId } },
    });
    expect(await dispatch.decideSyncRun(harness.db, fixture.owner, started.syncRunId, "reject")).toBe(true);
    const { run } = await finishSync(harness.db, harness.runner, started);
    const memberships = await harness.db.groupMembership.count({
      where: { group: { userSyncId: fixture.userSyncId } },
    });
    // Rejected, nothing goes: neither the 5 users nor the memberships Ops no longer lists.
    expect(countsOf(run)).toEqual(expectedCounts({ usersProcessed: 15, usersUnchanged: 15 }));
    expect(run).toMatchObject({
      decision: "REJECTED",
      decidedById: fixture.owner.userId,
      pendingRemovals: 5,
    });
    expect(Object.keys(await updatedAts(harness.db, fixture.userSyncId))).toEqual(Object.keys(before));
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(20);
    expect(memberships).toBe(membershipsBefore);
  });
});

describe("an org that suddenly lists no one (the hostile fake's empty org)", () => {
  async function emptiedOrg() {
    const groups = Array.from({ length: 11 }, (_, i) => ({ name: `Team ${i}`, members: [i, i + 1] }));
    const { fake, fixture } = await setup(orgData(12, groups));
    await syncOnce(harness.db, harness.runner, fixture);
    const before = await snapshot(harness.db, fixture.userSyncId);
    // 11 teams and Everyone, 22 + 12 memberships
    expect(before.groups).toHaveLength(12);
    fake.setHostile({ emptyOrg: true });
    const started = await startSync(harness.db, harness.runner, fixture);
    await waitFor(async () => (await statusOf(started.syncRunId)) === "BLOCKED", RUN_TIMEOUT_MS);
    return { fake, fixture, started, before };
  }

  it("holds every user, group and membership at the safeguard, and Reject leaves every row as it was", async () => {
    const { fixture, started, before } = await emptiedOrg();
    const blocked = await harness.db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } });
    expect(blocked).toMatchObject({
      pendingRemovals: 12,
      pendingGroupRemovals: 12,
      groupsDeleted: 0,
      membershipsRemoved: 0,
    });
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);

    expect(await dispatch.decideSyncRun(harness.db, fixture.owner, started.syncRunId, "reject")).toBe(true);
    const { run } = await finishSync(harness.db, harness.runner, started);
    expect(run).toMatchObject({ status: "SUCCEEDED", decision: "REJECTED", groupsDeleted: 0 });
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);
  });

  it("Approve applies every removal: users, groups and memberships", async () => {
    const { fixture, started } = await emptiedOrg();
    expect(await dispatch.decideSyncRun(harness.db, fixture.owner, started.syncRunId, "approve")).toBe(true);
    const { run } = await finishSync(harness.db, harness.runner, started);
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersDeleted: 12, groupsDeleted: 12, membershipsRemoved: 22 + 12 }),
    );
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual({ users: [], groups: [] });
  });
});

describe("cancelling", () => {
  it("stops a running run within seconds, abandoning the step in flight: CANCELLED, nobody removed", async () => {
    const { fake, fixture } = await setup(orgData(80));
    await syncOnce(harness.db, harness.runner, fixture);
    for (const user of fake.directory.users.slice(0, 5)) fake.directory.deleteUser(user.id);
    fake.clearRequests();
    // The fourth users page (in the run's first users step) takes long: cancel meanwhile.
    fake.injectFault({ fault: { kind: "delay", ms: 20_000 }, path: "/api/v1/users", skip: 3 });
    const started = await startSync(harness.db, harness.runner, fixture);
    await waitFor(() => fake.requests.filter((r) => r.path === "/api/v1/users").length === 4, RUN_TIMEOUT_MS);
    const cancelledAt = performance.now();
    expect(await dispatch.cancelSyncRun(harness.db, fixture.admin, started.syncRunId)).toBe(
      "cancel-requested",
    );
    const { inngest, run } = await finishSync(harness.db, harness.runner, started);
    expect(performance.now() - cancelledAt).toBeLessThan(10_000);
    expect(inngest.status).toBe("Completed");
    // The step in flight stops reading and writes nothing; the run ends where it stood.
    expect(countsOf(run)).toEqual(expectedCounts({ status: "CANCELLED", phase: "USERS" }));
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(80);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.activeRunId).toBeNull();
    expect(await harness.db.syncRunSeen.count({ where: { syncRunId: run.id } })).toBe(0);
    // A cancelled run moves no listing mark: the next incremental run still reads from before it.
    expect(sync.lastSyncedFrom?.getTime()).toBeLessThan(run.startedAt?.getTime() ?? 0);
  });

  it("stops a run waiting out a rate limit within seconds of Cancel", async () => {
    const { fake, fixture } = await setup(orgData(20));
    // A reset 45 s ahead: within what a sync waits, so the step waits.
    fake.setHostile({ rateLimitResetInMs: 45_000 });
    const started = await startSync(harness.db, harness.runner, fixture);
    await waitFor(() => fake.requests.some((r) => r.status === 429), RUN_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cancelledAt = performance.now();
    expect(await dispatch.cancelSyncRun(harness.db, fixture.admin, started.syncRunId)).toBe(
      "cancel-requested",
    );
    const { inngest, run } = await finishSync(harness.db, harness.runner, started);
    expect(performance.now() - cancelledAt).toBeLessThan(10_000);
    expect(inngest.status).toBe("Completed");
    // A full run lists its groups first: its first request was answered 429.
    expect(countsOf(run)).toEqual(expectedCounts({ status: "CANCELLED", phase: "GROUPS" }));
    expect(fake.requests).toHaveLength(1);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.activeRunId).toBeNull();
  });

  it("ends a run waiting at the safeguard at once, and its function with it", async () => {
    const { fixture, started } = await blockedRun();
    expect(await dispatch.cancelSyncRun(harness.db, fixture.owner, started.syncRunId)).toBe("cancelled");
    const { inngest, run } = await finishSync(harness.db, harness.runner, started);
    expect(inngest.status).toBe("Cancelled");
    // Inngest's announcement of the cancel finds the run already ended: nothing more is recorded.
    const audit = await harness.db.auditEvent.findMany({
      where: { targetId: run.id, action: "sync-run.cancelled" },
    });
    expect(audit.map((a) => a.actorId)).toEqual([fixture.owner.userId]);
    expect(run.error).toBeNull();
    expect(countsOf(run)).toEqual(
      expectedCounts({
        status: "CANCELLED",
        phase: "SAFEGUARD",
        usersProcessed: 15,
        usersUnchanged: 15,
      }),
    );
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(20);
    expect(
      (await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } })).activeRunId,
    ).toBeNull();
    // The sync can run again (and is held by the safeguard again).
    const next = await startSync(harness.db, harness.runner, fixture);
    await waitFor(async () => (await statusOf(next.syncRunId)) === "BLOCKED", RUN_TIMEOUT_MS);
    expect(await dispatch.cancelSyncRun(harness.db, fixture.owner, next.syncRunId)).toBe("cancelled");
    expect((await finishedRun(harness.runner.url, next.inngestRunId, RUN_TIMEOUT_MS)).status).toBe(
      "Cancelled",
    );
  });
});

describe("cancelled in Inngest's dashboard", () => {
  /** Cancels the Inngest run as Inngest's dashboard does; returns the SyncRun once its cleanup ran. */
  async function cancelInInngest(started: { syncRunId: string; inngestRunId: string }) {
    const cancelledAt = performance.now();
    expect(
      await getJson(`${harness.runner.url}/runs/${started.inngestRunId}/cancel`, { method: "POST" }),
    ).toEqual({ cancelled: true });
    const { inngest, run } = await finishSync(harness.db, harness.runner, started);
    expect(inngest.status).toBe("Cancelled");
    expect(performance.now() - cancelledAt).toBeLessThan(10_000);
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.error).toMatch(/cancelled in Inngest/i);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: run.userSyncId } });
    expect(sync.activeRunId).toBeNull();
    expect(await harness.db.syncRunSeen.count({ where: { syncRunId: run.id } })).toBe(0);
    const report = await harness.db.email.findFirstOrThrow({
      where: { syncRunId: run.id, template: "sync-report" },
    });
    expect(report.subject).toMatch(/Cancelled/);
    const audit = await harness.db.auditEvent.findMany({
      where: { targetId: run.id, action: "sync-run.cancelled" },
    });
    expect(audit.map((a) => [a.actorId, a.details])).toEqual([[null, { by: "inngest" }]]);
    return run;
  }

  it("ends a running run CANCELLED within seconds, frees the sync, changes no user, and reports it", async () => {
    const { fake, fixture } = await setup(orgData(80));
    await syncOnce(harness.db, harness.runner, fixture);
    const before = await updatedAts(harness.db, fixture.userSyncId);
    fake.clearRequests();
    // The fourth users page (in the run's first users step) takes long: cancel meanwhile.
    fake.injectFault({ fault: { kind: "delay", ms: 20_000 }, path: "/api/v1/users", skip: 3 });
    const started = await startSync(harness.db, harness.runner, fixture);
    await waitFor(() => fake.requests.filter((r) => r.path === "/api/v1/users").length === 4, RUN_TIMEOUT_MS);

    const run = await cancelInInngest(started);
    expect(countsOf(run)).toEqual(expectedCounts({ status: "CANCELLED", phase: "USERS" }));
    expect(await updatedAts(harness.db, fixture.userSyncId)).toEqual(before);
    // The sync runs again.
    const next = await syncOnce(harness.db, harness.runner, fixture);
    expect(next.run.status).toBe("SUCCEEDED");
  });

  it("ends a run waiting at the safeguard CANCELLED, removing no one, and frees the sync", async () => {
    const { fixture, started } = await blockedRun();
    const run = await cancelInInngest(started);
    expect(countsOf(run)).toEqual(
      expectedCounts({ status: "CANCELLED", phase: "SAFEGUARD", usersProcessed: 15, usersUnchanged: 15 }),
    );
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(20);
    const next = await startSync(harness.db, harness.runner, fixture);
    await waitFor(async () => (await statusOf(next.syncRunId)) === "BLOCKED", RUN_TIMEOUT_MS);
    expect(await dispatch.cancelSyncRun(harness.db, fixture.owner, next.syncRunId)).toBe("cancelled");
  });
});

describe("concurrency", () => {
  it("starts one run for 20 simultaneous SYNC DATA requests", async () => {
    const { fixture } = await setup(orgData(15));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        dispatch.requestSyncRun(harness.db, {
          organizationId: fixture.organizationId,
          userSyncId: fixture.userSyncId,
          trigger: "MANUAL",
          startedById: fixture.owner.userId,
        }),
      ),
    );
    expect(outcomes.filter((o) => o === "started")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "already-running")).toHaveLength(19);
    const runs = await harness.db.syncRun.findMany({ where: { userSyncId: fixture.userSyncId } });
    expect(runs).toHaveLength(1);
    const run = runs[0] as (typeof runs)[number];
    const { run: finished } = await finishSync(harness.db, harness.runner, {
      syncRunId: run.id,
      inngestRunId: (await inngestRunOf(harness.runner, run.id)).id,
    });
    expect(countsOf(finished)).toEqual(
      expectedCounts({ usersProcessed: 15, usersCreated: 15, groupsCreated: 1, membershipsAdded: 15 }),
    );
    const inngestRuns = (await getJson<Run[]>(`${harness.runner.url}/runs`)).filter(
      (r) => r.functionId === RUN_FUNCTION && r.event.data.userSyncId === fixture.userSyncId,
    );
    expect(inngestRuns).toHaveLength(1);
  });

  it("runs syncs of two organizations at once without touching each other's data", async () => {
    const a = await setup(orgData(30, [{ name: "Team", members: [0, 1, 2] }]));
    const b = await setup(orgData(25, [{ name: "Team", members: [3, 4] }]));
    await syncOnce(harness.db, harness.runner, a.fixture);
    const aBefore = await snapshot(harness.db, a.fixture.userSyncId);
    const aUpdated = await updatedAts(harness.db, a.fixture.userSyncId);
    // A's Okta now deletes users; B's is first synced, at the same time.
    for (const user of a.fake.directory.users.slice(0, 3)) a.fake.directory.deleteUser(user.id);
    const [startedA, startedB] = await Promise.all([
      startSync(harness.db, harness.runner, a.fixture),
      startSync(harness.db, harness.runner, b.fixture),
    ]);
    const [runA, runB] = await Promise.all([
      finishSync(harness.db, harness.runner, startedA),
      finishSync(harness.db, harness.runner, startedB),
    ]);
    expect(countsOf(runA.run)).toEqual(
      expectedCounts({ usersProcessed: 27, usersUnchanged: 27, usersDeleted: 3, membershipsRemoved: 6 }),
    );
    expect(countsOf(runB.run)).toEqual(
      expectedCounts({ usersProcessed: 25, usersCreated: 25, groupsCreated: 2, membershipsAdded: 27 }),
    );
    const aAfter = await snapshot(harness.db, a.fixture.userSyncId);
    const gone = new Set(aBefore.users.slice(0, 3).map((u) => u.externalId));
    expect(aAfter.users).toEqual(aBefore.users.filter((u) => !gone.has(u.externalId)));
    // The users A kept were not written to.
    const aUpdatedAfter = await updatedAts(harness.db, a.fixture.userSyncId);
    const kept = await harness.db.directoryUser.findMany({
      where: { userSyncId: a.fixture.userSyncId },
      select: { id: true },
    });
    expect(kept.map((u) => aUpdatedAfter[u.id])).toEqual(kept.map((u) => aUpdated[u.id]));
    expect(
      await harness.db.directoryUser.count({ where: { organizationId: b.fixture.organizationId } }),
    ).toBe(25);
    expect(
      await harness.db.directoryUser.count({ where: { organizationId: a.fixture.organizationId } }),
    ).toBe(27);
  });
});

describe("replays", () => {
  it("records a replay of a finished run's event as a new REPLAY run that syncs afresh", async () => {
    const { fake, fixture } = await setup(orgData(12));
    const first = await syncOnce(harness.db, harness.runner, fixture);
    const original = await harness.db.syncRun.findUniqueOrThrow({ where: { id: first.run.id } });
    fake.directory.updateUser(fake.directory.users[0]?.id as string, { firstName: "Replayed" });
    fake.directory.createUser({ login: "new@example.com", email: "new@example.com" });

    const { id } = await getJson<{ id: string }>(`${harness.runner.url}/runs/${first.inngest.id}/replay`, {
      method: "POST",
    });
    const replayed = await finishedRun(harness.runner.url, id, RUN_TIMEOUT_MS);
    expect(replayed.status).toBe("Completed");
    const rows = await harness.db.syncRun.findMany({
      where: { userSyncId: fixture.userSyncId },
      orderBy: { queuedAt: "asc" },
    });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual(original);
    const replay = rows[1] as (typeof rows)[number];
    expect(replayed.output).toEqual({ syncRunId: replay.id, replay: true });
    expect(replay.inngestRunId).toBe(id);
    expect(countsOf(replay)).toEqual(
      expectedCounts({
        trigger: "REPLAY",
        usersProcessed: 13,
        usersCreated: 1,
        usersUpdated: 1,
        usersUnchanged: 11,
        membershipsAdded: 1,
      }),
    );
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(13);
    // Reported to the sync's owner (no one started a replay in the dashboard).
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: replay.id } });
    expect([report.template, report.to]).toEqual(["sync-report", fixture.owner.email]);
    // The sync is free and knows the replay's listing.
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync).toMatchObject({ activeRunId: null, lastSyncedFrom: replay.startedAt });
  });
});

describe("scheduled syncs", () => {
  it("starts a due sync from the schedule, run and reported like a manual one", async () => {
    const { fixture } = await setup(orgData(8), { schedule: "HOURLY" });
    // The cron function's step logic in-process; the run it requests goes through the runner.
    const { userSyncSchedule } = await import("./user-sync-schedule");
    const { result, error } = await new InngestTestEngine({ function: userSyncSchedule }).execute({
      events: [{ name: "inngest/scheduled.timer", data: { cron: "*/15 * * * *" } }],
    });
    expect(error).toBeUndefined();
    // Other tests' syncs have no schedule: only this one is due.
    expect(result).toEqual({ started: 1 });
    const queued = await harness.db.syncRun.findFirstOrThrow({ where: { userSyncId: fixture.userSyncId } });
    const { run } = await finishSync(harness.db, harness.runner, {
      syncRunId: queued.id,
      inngestRunId: (await inngestRunOf(harness.runner, queued.id)).id,
    });
    expect(countsOf(run)).toEqual(
      expectedCounts({
        trigger: "SCHEDULED",
        usersProcessed: 8,
        usersCreated: 8,
        groupsCreated: 1,
        membershipsAdded: 8,
      }),
    );
    expect(run.startedById).toBeNull();
    // Reported to the sync's owner; not due again within the hour.
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: run.id } });
    expect([report.template, report.to]).toEqual(["sync-report", fixture.owner.email]);
    const again = await new InngestTestEngine({ function: userSyncSchedule }).execute({
      events: [{ name: "inngest/scheduled.timer", data: { cron: "*/15 * * * *" } }],
    });
    expect(again.result).toEqual({ started: 0 });
  });
});
