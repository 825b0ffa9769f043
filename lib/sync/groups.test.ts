import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DirectoryProvider, GroupGoneError } from "@/lib/directory/types";
import type { TestDb } from "@/test-support/db";
import { advanceSync } from "./engine";
import { HOUR, membershipMap, openTestDb, runSync, startRun, syncHarness } from "./testing/fixtures";
import type { MemoryDirectory } from "./testing/memory-directory";

/** The directory, with member pages that take a few ms, counting them and the most at once. */
function slowMembers(directory: MemoryDirectory) {
  const seen = { calls: 0, inFlight: 0, most: 0 };
  const provider: DirectoryProvider = {
    memberPageSize: directory.memberPageSize,
    listUsers: (...args) => directory.listUsers(...args),
    listGroups: (...args) => directory.listGroups(...args),
    listGroupMembers: async (...args) => {
      seen.calls++;
      seen.most = Math.max(seen.most, ++seen.inFlight);
      await delay(5);
      try {
        return await directory.listGroupMembers(...args);
      } finally {
        seen.inFlight--;
      }
    },
  };
  return { provider, seen };
}

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

async function groupsOf(userSyncId: string) {
  const groups = await t.db.userGroup.findMany({ where: { userSyncId }, orderBy: { externalId: "asc" } });
  return groups.map((g) => [g.externalId, g.name, g.description, g.type, g.memberCount]);
}

describe("groups and memberships", () => {
  it("leaves a group deleted in Okta between its listing and its members' to the next run", async () => {
    const h = await syncHarness(t.db);
    for (const id of ["u1", "u2"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "g1" });
    h.directory.putGroup({ externalId: "g2" });
    h.directory.setMembers("g1", ["u1"]);
    h.directory.setMembers("g2", ["u2"]);
    const gone: DirectoryProvider = {
      memberPageSize: h.directory.memberPageSize,
      listUsers: (...args) => h.directory.listUsers(...args),
      listGroups: (...args) => h.directory.listGroups(...args),
      listGroupMembers: (group, cursor) =>
        group === "g2"
          ? Promise.reject(new GroupGoneError(group))
          : h.directory.listGroupMembers(group, cursor),
    };
    const { run } = await runSync({ ...h.deps, provider: gone }, h.sync);
    expect(run).toMatchObject({ status: "SUCCEEDED", groupsCreated: 2, membershipsAdded: 1 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"] });
    // Not counted as read: the next run reads it (here it still exists).
    h.clock.advance(HOUR);
    await h.run();
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"], g2: ["u2"] });
  });

  it("imports groups with their descriptions and members, and keeps member counts", async () => {
    const h = await syncHarness(t.db);
    for (const id of ["u1", "u2", "u3"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "g1", name: "Engineering", description: "Builds things" });
    h.directory.putGroup({ externalId: "g2", name: "Everyone", type: "BUILT_IN" });
    h.directory.putGroup({ externalId: "g3", name: "Empty" });
    h.directory.setMembers("g1", ["u1", "u2"]);
    h.directory.setMembers("g2", ["u1", "u2", "u3", "not-imported"]);
    const { run } = await h.run();

    expect(await groupsOf(h.sync.id)).toEqual([
      ["g1", "Engineering", "Builds things", "OKTA_GROUP", 2],
      ["g2", "Everyone", null, "BUILT_IN", 3],
      ["g3", "Empty", null, "OKTA_GROUP", 0],
    ]);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1", "u2"], g2: ["u1", "u2", "u3"] });
    expect(run).toMatchObject({
      groupsCreated: 3,
      groupsUpdated: 0,
      membershipsAdded: 5,
      membershipsRemoved: 0,
    });
    const g1 = await t.db.userGroup.findFirstOrThrow({ where: { userSyncId: h.sync.id, externalId: "g1" } });
    expect(g1.membershipsUpdatedAt).toEqual(g1.externalMembershipUpdatedAt);
    expect(g1.externalUpdatedAt).toEqual(h.clock.now());
  });

  it("renames, deletes (with memberships) and re-reads members both ways", async () => {
    // Half the groups and a third of the memberships go: past the default safeguard.
    const h = await syncHarness(t.db, { settings: { safeguardPercent: 100 } });
    for (const id of ["u1", "u2", "u3"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "g1", name: "Sales" });
    h.directory.putGroup({ externalId: "g2", name: "Doomed" });
    h.directory.setMembers("g1", ["u1", "u2"]);
    h.directory.setMembers("g2", ["u3"]);
    await h.run();

    h.clock.advance(HOUR);
    h.directory.putGroup({ externalId: "g1", name: "Sales EMEA", description: "Europe" });
    h.directory.setMembers("g1", ["u2", "u3"]);
    h.directory.deleteGroup("g2");
    const { run } = await h.run({ forceFull: true });

    expect(run).toMatchObject({
      groupsCreated: 0,
      groupsUpdated: 1,
      groupsDeleted: 1,
      membershipsAdded: 1,
      // u1 left g1; u3 went with g2
      membershipsRemoved: 2,
    });
    expect(await groupsOf(h.sync.id)).toEqual([["g1", "Sales EMEA", "Europe", "OKTA_GROUP", 2]]);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u2", "u3"] });
    expect(await t.db.groupMembership.count({ where: { user: { userSyncId: h.sync.id } } })).toBe(2);
  });

  it("reconciles a large group across steps, staging its members only until it is complete", async () => {
    const members = Array.from({ length: 9 }, (_, i) => `u${i + 1}`);
    const h = await syncHarness(t.db, { directory: { memberPageSize: 2 }, budget: { memberPages: 2 } });
    for (const id of [...members, "u10"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "big" });
    h.directory.putGroup({ externalId: "small" });
    h.directory.setMembers("big", members);
    h.directory.setMembers("small", ["u1"]);
    const first = await h.run();
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ big: members, small: ["u1"] });
    expect(first.run.membershipsAdded).toBe(10);

    h.clock.advance(HOUR);
    h.directory.setMembers("big", [...members.slice(2), "u10"]);
    const calls = h.directory.callCount("listGroupMembers");
    const { run } = await h.run({ forceFull: true });
    // big: 4 pages at 2 pages a step (alongside the users, then in MEMBERSHIPS), none read twice;
    // small's members did not move, so they are not read
    expect(h.directory.callCount("listGroupMembers") - calls).toBe(4);
    expect(run).toMatchObject({ membershipsAdded: 1, membershipsRemoved: 2 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({
      big: [...members.slice(2), "u10"].sort(),
      small: ["u1"],
    });
    expect((await groupsOf(h.sync.id))[0]).toEqual(["big", "Group big", null, "OKTA_GROUP", 8]);
    expect(await t.db.syncRunSeen.count()).toBe(0);
  });

  it("a member listed before its user joins its groups in the step that imports the user", async () => {
    // Two users a step; g1 is read whole alongside the first users step, u3 not imported yet.
    const h = await syncHarness(t.db, { directory: { pageSize: 2 }, budget: { userPages: 1 } });
    for (const id of ["u1", "u2", "u3", "u4", "u5", "u6"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "g1" });
    h.directory.setMembers("g1", ["u1", "u3"]);
    const runId = await startRun(t.db, h.sync);
    const members: Record<number, string[]> = {};
    // g1's members after each users step, by the users imported so far.
    let result = await advanceSync(h.deps, runId, { seq: 0 });
    while (result.status === "running") {
      const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: runId } });
      if (run.usersProcessed > 0 && (run.phase === "USERS" || run.phase === "MEMBERSHIPS"))
        members[run.usersProcessed] = (await membershipMap(t.db, h.sync.id)).g1 ?? [];
      result = await advanceSync(h.deps, runId, result.state);
    }
    expect(members).toEqual({ 2: ["u1"], 4: ["u1", "u3"], 6: ["u1", "u3"] });
    const group = await t.db.userGroup.findFirstOrThrow({ where: { userSyncId: h.sync.id } });
    expect(group.memberCount).toBe(2);
    expect(await t.db.syncRunSeen.count({ where: { syncRunId: runId } })).toBe(0);
  });

  it("a member listed before its user, in a group listed across steps, stays when the listing completes", async () => {
    // A member page and two users a step: big's first page shows u3, imported a step later,
    // while big is still being listed; its last page no longer shows u3.
    const h = await syncHarness(t.db, {
      directory: { pageSize: 2, memberPageSize: 1 },
      budget: { userPages: 1, memberPages: 1 },
    });
    for (const id of ["u1", "u2", "u3", "u4", "u5", "u6"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "big" });
    h.directory.setMembers("big", ["u3", "u4", "u5"]);
    const { run } = await h.run();
    expect(run).toMatchObject({ status: "SUCCEEDED", membershipsAdded: 3, membershipsRemoved: 0 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ big: ["u3", "u4", "u5"] });
  });

  it("a deprovisioned user is a member of nothing, though Okta keeps it in its groups", async () => {
    const h = await syncHarness(t.db, { settings: { deletionPolicy: "DEPROVISION", safeguardPercent: 100 } });
    for (const id of ["u1", "u2"]) h.directory.putUser({ externalId: id });
    h.directory.putGroup({ externalId: "g1" });
    h.directory.setMembers("g1", ["u1", "u2"]);
    await h.run();

    h.clock.advance(HOUR);
    h.directory.updateUser("u2", { status: "DEPROVISIONED" });
    h.directory.putGroup({ externalId: "g1", description: "touched, so an incremental run lists it" });
    const { run } = await h.run({ forceFull: true });
    expect(run).toMatchObject({ usersDeprovisioned: 1, membershipsRemoved: 1 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"] });
    expect((await groupsOf(h.sync.id))[0]?.[4]).toBe(1);

    h.clock.advance(HOUR);
    h.directory.setMembers("g1", ["u1", "u2"]);
    const again = await h.run({ forceFull: true });
    expect(again.run).toMatchObject({ membershipsAdded: 0, membershipsRemoved: 0 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"] });
  });

  it("an incremental run reads only changed users and groups, and members only of groups whose members moved", async () => {
    const h = await syncHarness(t.db);
    for (const id of ["u1", "u2", "u3", "u4"]) h.directory.putUser({ externalId: id });
    for (const id of ["g1", "g2", "g3"]) h.directory.putGroup({ externalId: id });
    h.directory.setMembers("g1", ["u1"]);
    h.directory.setMembers("g2", ["u2"]);
    h.directory.setMembers("g3", ["u3"]);
    // Later than the incremental listing's overlap, so the next run lists only what changes.
    h.clock.advance(HOUR);
    await h.run();

    h.clock.advance(HOUR);
    h.directory.updateUser("u4", { lastName: "Changed" });
    h.directory.putUser({ externalId: "u5" });
    h.directory.addMembers("g2", ["u5"]);
    h.directory.putGroup({ externalId: "g3", name: "Renamed" });
    h.directory.putGroup({ externalId: "g4" });
    h.directory.setMembers("g4", ["u4"]);
    const calls = h.directory.callCount("listGroupMembers");
    const { run } = await h.run({ trigger: "SCHEDULED" });

    expect(run).toMatchObject({
      mode: "INCREMENTAL",
      usersProcessed: 2,
      usersCreated: 1,
      usersUpdated: 1,
      groupsCreated: 1,
      groupsUpdated: 1,
      membershipsAdded: 2,
      membershipsRemoved: 0,
    });
    // g2 (members moved) and g4 (new); not g1 (unchanged) nor g3 (renamed only)
    expect(h.directory.callCount("listGroupMembers") - calls).toBe(2);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({
      g1: ["u1"],
      g2: ["u2", "u5"],
      g3: ["u3"],
      g4: ["u4"],
    });
  });
  it("a full run lists every user and group, but members only of groups whose members moved", async () => {
    const h = await syncHarness(t.db);
    for (const id of ["u1", "u2", "u3"]) h.directory.putUser({ externalId: id });
    for (const id of ["g1", "g2", "g3"]) h.directory.putGroup({ externalId: id });
    h.directory.setMembers("g1", ["u1"]);
    h.directory.setMembers("g2", ["u2"]);
    h.directory.setMembers("g3", ["u3"]);
    await h.run();

    h.clock.advance(HOUR);
    h.directory.addMembers("g2", ["u3"]);
    const before = {
      users: h.directory.callCount("listUsers"),
      members: h.directory.callCount("listGroupMembers"),
    };
    const { run } = await h.run({ forceFull: true });

    expect(run).toMatchObject({
      mode: "FULL",
      usersProcessed: 3,
      membershipsAdded: 1,
      membershipsRemoved: 0,
    });
    expect(h.directory.callCount("listUsers") - before.users).toBe(1);
    expect(h.directory.callCount("listGroupMembers") - before.members).toBe(1);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"], g2: ["u2", "u3"], g3: ["u3"] });
  });

  it("finds the groups of users whose memberships are older than their arrival", async () => {
    const h = await syncHarness(t.db, { settings: { deletionPolicy: "DEPROVISION", safeguardPercent: 100 } });
    for (const id of ["u1", "u2"]) h.directory.putUser({ externalId: id });
    // Refused for now: the unique field is Email.
    h.directory.putUser({ externalId: "u3", email: null, username: "u3" });
    for (const id of ["g1", "g2"]) h.directory.putGroup({ externalId: id });
    h.directory.setMembers("g1", ["u1", "u2", "u3"]);
    h.directory.setMembers("g2", ["u2"]);
    h.clock.advance(HOUR);
    await h.run();
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1", "u2"], g2: ["u2"] });

    // Deactivated in Okta, which keeps it in its groups: the sync removes it from them.
    h.clock.advance(HOUR);
    h.directory.updateUser("u2", { status: "DEPROVISIONED" });
    await h.run();
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"] });

    // Reactivated, and the refused user given an email: no group's members moved in Okta.
    h.clock.advance(HOUR);
    h.directory.updateUser("u2", { status: "ACTIVE" });
    h.directory.updateUser("u3", { email: "u3@acme.test" });
    const { run } = await h.run({ trigger: "SCHEDULED" });
    expect(run).toMatchObject({ mode: "INCREMENTAL", usersCreated: 1, usersUpdated: 1, membershipsAdded: 3 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1", "u2", "u3"], g2: ["u2"] });
  });

  it("a new user's groups are those whose members moved, and a failed run leaves its users' groups marked", async () => {
    const h = await syncHarness(t.db);
    for (const id of ["u1", "u2"]) h.directory.putUser({ externalId: id });
    for (const id of ["g1", "g2", "g3"]) h.directory.putGroup({ externalId: id });
    h.directory.setMembers("g1", ["u1"]);
    h.clock.advance(HOUR);
    await h.run();

    // Created in Okta after that run: adding it to a group moved that group.
    h.clock.advance(HOUR);
    h.directory.putUser({ externalId: "u3" });
    h.directory.addMembers("g2", ["u3"]);
    const calls = h.directory.callCount("listGroupMembers");
    await h.run();
    expect(h.directory.callCount("listGroupMembers") - calls).toBe(1);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"], g2: ["u3"] });

    // A user created long ago but imported only now, by a run that fails before its members:
    // the next run reads every group for it, though none moved.
    h.clock.advance(HOUR);
    h.directory.putUser({ externalId: "u4", email: null, username: "u4" });
    h.directory.addMembers("g3", ["u4"]);
    h.clock.advance(HOUR);
    await h.run();
    h.clock.advance(HOUR);
    h.directory.updateUser("u4", { email: "u4@acme.test" });
    h.directory.failOn("listGroups", h.directory.callCount("listGroups") + 1);
    // A re-listing run reads the users, then the groups.
    expect((await h.run({ trigger: "SCHEDULED" })).run).toMatchObject({ status: "FAILED", usersCreated: 1 });
    const again = await h.run({ trigger: "SCHEDULED" });
    expect(again.run).toMatchObject({ status: "SUCCEEDED", membershipsAdded: 1 });
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ g1: ["u1"], g2: ["u3"], g3: ["u4"] });
  });

  it("takes Okta's Everyone group's members from the sync's users instead of listing them", async () => {
    const h = await syncHarness(t.db);
    for (const id of ["u1", "u2", "u3"]) h.directory.putUser({ externalId: id });
    h.directory.putUser({ externalId: "gone", status: "DEPROVISIONED" });
    h.directory.putGroup({ externalId: "all", name: "Everyone", type: "BUILT_IN" });
    // An ordinary group may carry the name: it is listed as any other.
    h.directory.putGroup({ externalId: "named", name: "Everyone" });
    h.directory.setMembers("named", ["u1"]);
    const calls = h.directory.callCount("listGroupMembers");
    const { run } = await h.run();

    expect(h.directory.callCount("listGroupMembers") - calls).toBe(1);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({ all: ["u1", "u2", "u3"], named: ["u1"] });
    expect(run).toMatchObject({ membershipsAdded: 4, membershipsRemoved: 0 });
    const all = await t.db.userGroup.findFirstOrThrow({
      where: { userSyncId: h.sync.id, externalId: "all" },
    });
    expect(all).toMatchObject({ memberCount: 3 });
    expect(all.membershipsUpdatedAt).toEqual(all.externalMembershipUpdatedAt);

    h.clock.advance(HOUR);
    h.directory.putUser({ externalId: "u4" });
    const again = await h.run({ forceFull: true });
    expect(again.run).toMatchObject({ membershipsAdded: 1, membershipsRemoved: 0 });
    expect((await membershipMap(t.db, h.sync.id)).all).toEqual(["u1", "u2", "u3", "u4"]);
  });
  it("reads small groups' members three at a time, within each step's page budget", async () => {
    const h = await syncHarness(t.db, { budget: { memberPages: 4 } });
    const ids = ["g1", "g2", "g3", "g4", "g5", "g6"];
    for (const [i, id] of ids.entries()) {
      h.directory.putUser({ externalId: `u${i}` });
      h.directory.putGroup({ externalId: id });
      h.directory.setMembers(id, [`u${i}`]);
    }
    const { provider, seen } = slowMembers(h.directory);
    const { run } = await runSync({ ...h.deps, provider }, h.sync);

    expect(seen).toMatchObject({ calls: 6, most: 3 });
    expect(run).toMatchObject({ status: "SUCCEEDED", membershipsAdded: 6, pagesFetched: 1 + 1 + 6 });
    expect(Object.keys(await membershipMap(t.db, h.sync.id))).toEqual(ids);
  });

  it("reads a group larger than the budget last in its step and on in the next, reading no page twice", async () => {
    const h = await syncHarness(t.db, { directory: { memberPageSize: 2 }, budget: { memberPages: 4 } });
    const members = Array.from({ length: 12 }, (_, i) => `u${i}`);
    for (const id of members) h.directory.putUser({ externalId: id });
    for (const id of ["a", "big", "s1", "s2"]) h.directory.putGroup({ externalId: id });
    h.directory.setMembers("a", ["u1"]);
    h.directory.setMembers("big", members);
    h.directory.setMembers("s1", ["u1"]);
    h.directory.setMembers("s2", ["u2"]);
    const { provider, seen } = slowMembers(h.directory);
    const { outputs } = await runSync({ ...h.deps, provider }, h.sync);

    // 4 pages a step: a and big's first 3 pages (alongside the users); big's last 3 pages and s1;
    // then s2 (MEMBERSHIPS)
    expect(seen.calls).toBe(1 + 6 + 1 + 1);
    const phases = outputs.map((o) => (o.status === "running" ? o.state.phase : o.status));
    expect(phases.filter((phase) => phase === "MEMBERSHIPS")).toHaveLength(2);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({
      a: ["u1"],
      big: [...members].sort(),
      s1: ["u1"],
      s2: ["u2"],
    });
    expect(await t.db.syncRunSeen.count({ where: { syncRun: { userSyncId: h.sync.id } } })).toBe(0);
  });

  it("a member count that was wrong stops every listing at twice the budget; later groups are read again", async () => {
    const h = await syncHarness(t.db, { directory: { memberPageSize: 2 }, budget: { memberPages: 4 } });
    const members = Array.from({ length: 20 }, (_, i) => `u${i}`);
    for (const id of members) h.directory.putUser({ externalId: id });
    for (const id of ["big", "s1", "s2"]) h.directory.putGroup({ externalId: id });
    h.directory.setMembers("big", members);
    h.directory.setMembers("s1", ["u1"]);
    h.directory.setMembers("s2", ["u2"]);
    const { provider, seen } = slowMembers(h.directory);
    // The directory says every group has one member.
    const miscounted: DirectoryProvider = {
      ...provider,
      listGroups: async (...args) => {
        const page = await provider.listGroups(...args);
        return { ...page, items: page.items.map((g) => ({ ...g, memberCount: 1 })) };
      },
    };
    await runSync({ ...h.deps, provider: miscounted }, h.sync);

    // big (10 pages) stops at 8 pages read in all, with s1's and s2's: those are read again.
    expect(seen.calls).toBe(6 + 1 + 1 + 4 + 1 + 1);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({
      big: [...members].sort(),
      s1: ["u1"],
      s2: ["u2"],
    });
  });
});
