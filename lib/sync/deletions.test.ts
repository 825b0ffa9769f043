import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDb } from "@/test-support/db";
import { advanceSync } from "./engine";
import { requestCancel, startRunRequest } from "./run";
import { decideSafeguard } from "./safeguard";
import { driveRun, HOUR, membershipMap, openTestDb, snapshot, syncHarness } from "./testing/fixtures";
import type { SyncDeps, SyncState } from "./types";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

/** A synced directory of `count` users, all in group g1, with the safeguard out of the way. */
async function syncedDirectory(settings: Parameters<typeof syncHarness>[1] = {}, count = 5) {
  const h = await syncHarness(t.db, {
    ...settings,
    settings: { safeguardPercent: 100, ...settings.settings },
  });
  const ids = Array.from({ length: count }, (_, i) => `u${i + 1}`);
  for (const id of ids) h.directory.putUser({ externalId: id });
  h.directory.putGroup({ externalId: "g1" });
  h.directory.setMembers("g1", ids);
  h.clock.advance(HOUR);
  await h.run();
  h.clock.advance(HOUR);
  return h;
}

async function usersOf(userSyncId: string) {
  const users = await t.db.directoryUser.findMany({ where: { userSyncId }, orderBy: { externalId: "asc" } });
  return users.map((u) => [u.externalId, u.status]);
}

async function itemKinds(syncRunId: string) {
  const items = await t.db.syncRunItem.findMany({ where: { syncRunId }, orderBy: { externalId: "asc" } });
  return items.map((i) => [i.kind, i.externalId, i.userKey]);
}

describe("deletions", () => {
  it("DELETE policy: a user deleted in Okta is removed with its memberships on the next full run", async () => {
    const h = await syncedDirectory({ settings: { deletionPolicy: "DELETE" } });
    h.directory.deleteUser("u2");
    h.directory.updateUser("u3", { status: "DEPROVISIONED" });
    const { run } = await h.run({ forceFull: true });

    expect(run).toMatchObject({
      status: "SUCCEEDED",
      usersDeleted: 2,
      usersDeprovisioned: 0,
      membershipsRemoved: 2,
    });
    expect(await usersOf(h.sync.id)).toEqual([
      ["u1", "ACTIVE"],
      ["u4", "ACTIVE"],
      ["u5", "ACTIVE"],
    ]);
    expect(await itemKinds(run.id)).toEqual([
      ["DELETED", "u2", "u2@acme.test"],
      ["DELETED", "u3", "u3@acme.test"],
    ]);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1", "u4", "u5"] });
    expect((await t.db.userGroup.findFirstOrThrow({ where: { userSyncId: h.sync.id } })).memberCount).toBe(3);
  });

  it("DEPROVISION policy: the user stays, DEPROVISIONED and in no group; reactivated, it comes back", async () => {
    const h = await syncedDirectory({ settings: { deletionPolicy: "DEPROVISION" } });
    h.directory.deleteUser("u2");
    h.directory.updateUser("u3", { status: "DEPROVISIONED" });
    const { run } = await h.run({ forceFull: true });

    expect(run).toMatchObject({
      usersDeleted: 0,
      usersDeprovisioned: 2,
      membershipsRemoved: 2,
      usersUnchanged: 3,
    });
    expect(await usersOf(h.sync.id)).toEqual([
      ["u1", "ACTIVE"],
      ["u2", "DEPROVISIONED"],
      ["u3", "DEPROVISIONED"],
      ["u4", "ACTIVE"],
      ["u5", "ACTIVE"],
    ]);
    expect(await itemKinds(run.id)).toEqual([
      ["DEPROVISIONED", "u2", "u2@acme.test"],
      ["DEPROVISIONED", "u3", "u3@acme.test"],
    ]);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1", "u4", "u5"] });

    h.clock.advance(HOUR);
    const again = await h.run({ forceFull: true });
    expect(again.run).toMatchObject({ usersDeprovisioned: 0, usersUpdated: 0, usersUnchanged: 4 });

    h.clock.advance(HOUR);
    h.directory.updateUser("u3", { status: "ACTIVE" });
    const back = await h.run({ forceFull: true });
    expect(back.run).toMatchObject({ usersUpdated: 1, membershipsAdded: 1 });
    expect(await usersOf(h.sync.id)).toContainEqual(["u3", "ACTIVE"]);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1", "u3", "u4", "u5"] });
  });

  it("an incremental run removes users deactivated in Okta, but leaves hard deletions to the next full run", async () => {
    const h = await syncedDirectory();
    h.directory.updateUser("u1", { status: "DEPROVISIONED" });
    h.directory.deleteUser("u2");
    const { run } = await h.run({ trigger: "SCHEDULED" });

    expect(run).toMatchObject({ mode: "INCREMENTAL", usersDeleted: 1 });
    expect(await usersOf(h.sync.id)).toEqual([
      ["u2", "ACTIVE"],
      ["u3", "ACTIVE"],
      ["u4", "ACTIVE"],
      ["u5", "ACTIVE"],
    ]);
    h.clock.advance(24 * HOUR);
    const full = await h.run();
    expect(full.run).toMatchObject({ mode: "FULL", usersDeleted: 1 });
    expect((await usersOf(h.sync.id)).map(([id]) => id)).toEqual(["u3", "u4", "u5"]);
  });

  it("safeguard: a run that would remove too many waits, and an approval applies the removals", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    for (const id of ["u1", "u2", "u3"]) h.directory.deleteUser(id);
    const blocked = await h.run({ forceFull: true });

    expect(blocked.result).toMatchObject({ status: "blocked", pendingRemovals: 3 });
    expect(blocked.run).toMatchObject({
      status: "BLOCKED",
      phase: "SAFEGUARD",
      pendingRemovals: 3,
      usersDeleted: 0,
    });
    expect(await usersOf(h.sync.id)).toHaveLength(10);
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } })).activeRunId).toBe(
      blocked.run.id,
    );
    // Woken without a decision, the run still waits.
    const state = blocked.result.status === "blocked" ? blocked.result.state : { seq: -1 };
    expect(await advanceSync(h.deps, blocked.run.id, state)).toMatchObject({
      status: "blocked",
      pendingRemovals: 3,
    });

    expect(await decideSafeguard(t.db, blocked.run.id, "approve", h.adminId)).toBe(true);
    expect(await decideSafeguard(t.db, blocked.run.id, "reject", h.adminId)).toBe(false);
    const { run, result } = await driveRun(h.deps, blocked.run.id, state);

    expect(result).toEqual({ status: "finished", runStatus: "SUCCEEDED" });
    expect(run).toMatchObject({
      usersDeleted: 3,
      decision: "APPROVED",
      decidedById: h.adminId,
      phase: "DONE",
    });
    expect(run.decidedAt).toBeInstanceOf(Date);
    expect((await usersOf(h.sync.id)).map(([id]) => id)).toEqual(["u10", "u4", "u5", "u6", "u7", "u8", "u9"]);
  });

  it("safeguard: a rejection finishes the run without removing anyone", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    for (const id of ["u1", "u2", "u3"]) h.directory.deleteUser(id);
    h.directory.updateUser("u4", { lastName: "Still updated" });
    const blocked = await h.run({ forceFull: true });
    const state = blocked.result.status === "blocked" ? blocked.result.state : { seq: -1 };

    expect(await decideSafeguard(t.db, blocked.run.id, "reject", h.adminId)).toBe(true);
    const { run, result } = await driveRun(h.deps, blocked.run.id, state);
    expect(result).toEqual({ status: "finished", runStatus: "SUCCEEDED" });
    expect(run).toMatchObject({ usersDeleted: 0, usersUpdated: 1, decision: "REJECTED", pendingRemovals: 3 });
    expect(await usersOf(h.sync.id)).toHaveLength(10);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } });
    expect(sync).toMatchObject({ activeRunId: null, lastSyncedFrom: run.startedAt });
  });

  it("a 20% safeguard lets 2 of 10 removals through", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    for (const id of ["u1", "u2"]) h.directory.deleteUser(id);
    const { run } = await h.run({ forceFull: true });
    expect(run).toMatchObject({ status: "SUCCEEDED", usersDeleted: 2, pendingRemovals: null });
  });

  it("safeguard: an org that suddenly lists no one removes no user, group or membership before the decision; Reject keeps every row, Approve removes them all", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    h.directory.putGroup({ externalId: "g2" });
    h.directory.setMembers("g2", ["u1", "u2"]);
    await h.run();
    h.clock.advance(HOUR);
    const before = await snapshot(t.db, h.sync.id);
    expect(before).toMatchObject({
      users: { length: 10 },
      groups: { length: 2 },
      memberships: { length: 12 },
    });

    for (let i = 1; i <= 10; i++) h.directory.deleteUser(`u${i}`);
    h.directory.deleteGroup("g1");
    h.directory.deleteGroup("g2");
    const blocked = await h.run({ forceFull: true });
    expect(blocked.run).toMatchObject({
      status: "BLOCKED",
      pendingRemovals: 10,
      pendingGroupRemovals: 2,
      groupsDeleted: 0,
      membershipsRemoved: 0,
    });
    expect(await snapshot(t.db, h.sync.id)).toEqual(before);

    const state = blocked.result.status === "blocked" ? blocked.result.state : { seq: -1 };
    expect(await decideSafeguard(t.db, blocked.run.id, "reject", h.adminId)).toBe(true);
    const rejected = await driveRun(h.deps, blocked.run.id, state);
    expect(rejected.run).toMatchObject({ decision: "REJECTED", usersDeleted: 0, groupsDeleted: 0 });
    expect(await snapshot(t.db, h.sync.id)).toEqual(before);

    h.clock.advance(HOUR);
    const again = await h.run({ forceFull: true });
    expect(again.run).toMatchObject({ status: "BLOCKED", pendingRemovals: 10, pendingGroupRemovals: 2 });
    expect(await snapshot(t.db, h.sync.id)).toEqual(before);
    const againState = again.result.status === "blocked" ? again.result.state : { seq: -1 };
    expect(await decideSafeguard(t.db, again.run.id, "approve", h.adminId)).toBe(true);
    const approved = await driveRun(h.deps, again.run.id, againState);
    expect(approved.run).toMatchObject({ status: "SUCCEEDED", usersDeleted: 10, groupsDeleted: 2 });
    expect(await snapshot(t.db, h.sync.id)).toEqual({ users: [], groups: [], memberships: [] });
  });

  it("safeguard: the threshold covers groups: deleting 2 of 5 groups waits for a decision", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    for (const g of ["g2", "g3", "g4", "g5"]) {
      h.directory.putGroup({ externalId: g });
      h.directory.setMembers(g, ["u1"]);
    }
    await h.run();
    h.clock.advance(HOUR);
    h.directory.deleteGroup("g4");
    h.directory.deleteGroup("g5");
    const blocked = await h.run({ forceFull: true });

    expect(blocked.run).toMatchObject({
      status: "BLOCKED",
      pendingRemovals: 0,
      pendingGroupRemovals: 2,
      groupsDeleted: 0,
    });
    expect(await t.db.userGroup.count({ where: { userSyncId: h.sync.id } })).toBe(5);
    const state = blocked.result.status === "blocked" ? blocked.result.state : { seq: -1 };
    expect(await decideSafeguard(t.db, blocked.run.id, "approve", h.adminId)).toBe(true);
    const { run } = await driveRun(h.deps, blocked.run.id, state);
    expect(run).toMatchObject({ status: "SUCCEEDED", groupsDeleted: 2, membershipsRemoved: 2 });
    expect(Object.keys(await membershipMap(t.db, h.sync.id)).sort()).toEqual(["g1", "g2", "g3"]);
  });

  it("safeguard: memberships leave their groups only once it has decided, and a rejected removal is proposed again", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    for (const id of ["u1", "u2", "u3"]) h.directory.deleteUser(id);
    h.directory.removeMembers("g1", ["u9", "u10"]);
    const blocked = await h.run({ forceFull: true });
    expect(blocked.run).toMatchObject({ status: "BLOCKED", pendingRemovals: 3, membershipsRemoved: 0 });
    expect((await membershipMap(t.db, h.sync.id)).g1).toHaveLength(10);

    const state = blocked.result.status === "blocked" ? blocked.result.state : { seq: -1 };
    expect(await decideSafeguard(t.db, blocked.run.id, "reject", h.adminId)).toBe(true);
    await driveRun(h.deps, blocked.run.id, state);
    expect((await membershipMap(t.db, h.sync.id)).g1).toHaveLength(10);

    // The next run reads g1 again (its members were not reconciled) and, approved, applies it all.
    h.clock.advance(HOUR);
    const again = await h.run({ forceFull: true });
    const againState = again.result.status === "blocked" ? again.result.state : { seq: -1 };
    expect(await decideSafeguard(t.db, again.run.id, "approve", h.adminId)).toBe(true);
    const { run } = await driveRun(h.deps, again.run.id, againState);
    expect(run).toMatchObject({ status: "SUCCEEDED", usersDeleted: 3, membershipsRemoved: 5 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u4", "u5", "u6", "u7", "u8"] });
  });

  it("safeguard: the threshold covers memberships: a group that suddenly lists no members waits", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    h.directory.setMembers("g1", []);
    const blocked = await h.run({ forceFull: true });
    expect(blocked.run).toMatchObject({
      status: "BLOCKED",
      pendingRemovals: 0,
      pendingGroupRemovals: 0,
      pendingMembershipRemovals: 10,
      membershipsRemoved: 0,
    });
    expect((await membershipMap(t.db, h.sync.id)).g1).toHaveLength(10);
  });

  it("a 20% safeguard lets a few membership removals through after it, with the counts", async () => {
    const h = await syncedDirectory({ settings: { safeguardPercent: 20 } }, 10);
    h.directory.removeMembers("g1", ["u9", "u10"]);
    const { run } = await h.run({ forceFull: true });
    expect(run).toMatchObject({
      status: "SUCCEEDED",
      membershipsRemoved: 2,
      pendingMembershipRemovals: null,
    });
    expect((await membershipMap(t.db, h.sync.id)).g1).toHaveLength(8);
    expect((await t.db.userGroup.findFirstOrThrow({ where: { userSyncId: h.sync.id } })).memberCount).toBe(8);
    expect(await t.db.syncRunSeen.count({ where: { syncRunId: run.id } })).toBe(0);
  });

  it("a run cancelled mid-run, or blocked and cancelled, ends CANCELLED and deletes nothing", async () => {
    const h = await syncedDirectory({ directory: { pageSize: 1 }, budget: { userPages: 1 } });
    h.directory.deleteUser("u5");
    const started = await startRunRequest(t.db, {
      organizationId: h.sync.organizationId,
      userSyncId: h.sync.id,
      trigger: "MANUAL",
      startedById: h.adminId,
      forceFull: true,
    });
    const runId = started.started ? started.run.id : "";
    const first = await driveSteps(h.deps, runId, 2);

    expect(await requestCancel(t.db, runId, null)).toBe("cancel-requested");
    expect(await requestCancel(t.db, runId, null)).toBe("not-active");
    const { run, result } = await driveRun(h.deps, runId, first);
    expect(result).toEqual({ status: "finished", runStatus: "CANCELLED" });
    expect(run).toMatchObject({ status: "CANCELLED", phase: "USERS", usersDeleted: 0 });
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(await usersOf(h.sync.id)).toHaveLength(5);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } });
    expect(sync.activeRunId).toBeNull();
    expect(sync.lastSyncedFrom?.getTime()).toBeLessThan(run.startedAt?.getTime() ?? 0);
    expect(await t.db.syncRunSeen.count({ where: { syncRunId: runId } })).toBe(0);

    await t.db.userSync.update({ where: { id: h.sync.id }, data: { safeguardPercent: 10 } });
    const blocked = await h.run({ forceFull: true });
    expect(blocked.run.status).toBe("BLOCKED");
    expect(await requestCancel(t.db, blocked.run.id, null)).toBe("cancelled");
    expect(await advanceSync(h.deps, blocked.run.id, { seq: blocked.run.stepSeq })).toEqual({
      status: "finished",
      runStatus: "CANCELLED",
    });
    expect(await usersOf(h.sync.id)).toHaveLength(5);
  });

  it("a run whose listing keeps failing ends FAILED and deletes nothing", async () => {
    const h = await syncedDirectory({ directory: { pageSize: 2 }, budget: { userPages: 1 } });
    h.directory.deleteUser("u1");
    h.directory.failOn("listUsers", h.directory.callCount("listUsers") + 2, {
      times: Number.POSITIVE_INFINITY,
      error: new Error("Okta answered 500 (SSWS 00abcdefSECRET)"),
    });
    const calls = h.directory.callCount();
    const userCalls = h.directory.callCount("listUsers");
    const { run, result } = await h.run({ forceFull: true, attempts: 3 });

    expect(result).toEqual({ status: "finished", runStatus: "FAILED" });
    // One users page applied, then three failed attempts.
    expect(run).toMatchObject({ status: "FAILED", phase: "USERS", usersDeleted: 0, usersProcessed: 2 });
    expect(run.error).toBe("Okta answered 500 (SSWS [redacted])");
    expect(h.directory.callCount("listUsers") - userCalls).toBe(4);
    // Every request counted, those of the failed attempts included.
    expect(run.oktaRequests).toBe(h.directory.callCount() - calls);
    expect(await usersOf(h.sync.id)).toHaveLength(5);
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } })).activeRunId).toBeNull();
  });
});

/** Applies `count` steps of a run and returns the state after them. */
async function driveSteps(deps: SyncDeps, runId: string, count: number) {
  let state: Pick<SyncState, "seq"> = { seq: 0 };
  for (let i = 0; i < count; i++) {
    const result = await advanceSync(deps, runId, state);
    if (result.status !== "running") throw new Error(`Run ${runId} stopped: ${result.status}`);
    state = result.state;
  }
  return state;
}
