import { describe, expect, it, vi } from "vitest";
import type { DirectoryJson } from "@/scripts/fake-okta";
import {
  countsOf,
  expectedCounts,
  oktaGroupId,
  oktaId,
  orgData,
  snapshot,
  syncOnce,
  updatedAts,
  withSyncHarness,
} from "@/test-support/sync-e2e";
import type { SyncFixtureOptions } from "@/test-support/sync-run";

// Real syncs end to end: SYNC DATA (requestSyncRun) → event → local runner → the app's
// /api/inngest route → advanceSync → OktaClient over HTTP → fake Okta → the test database.
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));

const harness = withSyncHarness();

/** A fake org with pages of 10 users (so 5 pages a step spans several steps) and a sync of it. */
async function setup(data: DirectoryJson, sync: Partial<SyncFixtureOptions> = {}) {
  const fake = await harness.startFakeOkta({ data, maxPageSize: { users: 10, members: 10 } });
  const fixture = await harness.syncOf(fake, sync);
  return { fake, fixture };
}

const login = (i: number) => `user${String(i).padStart(3, "0")}@example.com`;

async function itemsOf(syncRunId: string) {
  const items = await harness.db.syncRunItem.findMany({
    where: { syncRunId },
    orderBy: { externalId: "asc" },
  });
  return items.map((i) => ({ kind: i.kind, externalId: i.externalId, userKey: i.userKey, reason: i.reason }));
}

async function itemKinds(syncRunId: string) {
  const items = await harness.db.syncRunItem.groupBy({ by: ["kind"], where: { syncRunId }, _count: true });
  return Object.fromEntries(items.map((i) => [i.kind, i._count]));
}

describe("a sync through the runner, the route and a fake Okta", () => {
  it("imports users, groups and memberships, then writes nothing when nothing changed", async () => {
    const { fake, fixture } = await setup(
      orgData(60, [
        { name: "Engineering", description: "Builds it", members: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] },
        { name: "Sales", members: [10, 11, 12] },
      ]),
    );
    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(first.inngest.status).toBe("Completed");
    // 60 users + Everyone (60) + Engineering (12) + Sales (3) memberships.
    expect(countsOf(first.run)).toEqual(
      expectedCounts({ usersProcessed: 60, usersCreated: 60, groupsCreated: 3, membershipsAdded: 75 }),
    );
    expect(first.run).toMatchObject({
      startedById: fixture.owner.userId,
      error: null,
      pendingRemovals: null,
    });
    // Users 6 pages (two steps), groups 1, members: Engineering 2, Sales 1 (Everyone's members are
    // the sync's users: reconciled in the database, not listed).
    expect(first.run.pagesFetched).toBe(10);
    expect(first.run.oktaRequests).toBe(10);
    const data = await snapshot(harness.db, fixture.userSyncId);
    expect(data.users).toHaveLength(60);
    expect(data.users[0]).toEqual({
      externalId: oktaId(fake, login(0)),
      email: login(0),
      username: login(0),
      firstName: "First0",
      lastName: "Last0",
      status: "ACTIVE",
      emailVerified: false,
      enrollmentStatus: "NONE",
      invited: false,
    });
    expect(data.groups.map((g) => [g.name, g.description, g.type, g.memberCount, g.members.length])).toEqual([
      ["Everyone", "All users in your organization", "BUILT_IN", 60, 60],
      ["Engineering", "Builds it", "OKTA_GROUP", 12, 12],
      ["Sales", null, "OKTA_GROUP", 3, 3],
    ]);
    expect(data.groups[2]?.members).toEqual([10, 11, 12].map((i) => oktaId(fake, login(i))));
    expect(await itemKinds(first.run.id)).toEqual({ CREATED: 60 });
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync).toMatchObject({
      activeRunId: null,
      lastSyncedFrom: first.run.startedAt,
      lastFullSyncAt: first.run.startedAt,
    });
    expect(await harness.db.syncRunSeen.count({ where: { syncRunId: first.run.id } })).toBe(0);
    // Only Only Sync's report: no invitation.
    const emails = await harness.db.email.findMany({ where: { organizationId: fixture.organizationId } });
    expect(emails.map((e) => [e.template, e.to, e.status, e.syncRunId])).toEqual([
      ["sync-report", fixture.owner.email, "STORED", first.run.id],
    ]);
    expect(emails[0]?.subject).toBe("Okta Workspace sync report: Succeeded — 60 created, 0 updated");

    // A scheduled run within a day is incremental: Okta shows no change since the last run.
    const before = await updatedAts(harness.db, fixture.userSyncId);
    const second = await syncOnce(harness.db, harness.runner, fixture, "SCHEDULED");
    expect(countsOf(second.run)).toEqual(expectedCounts({ mode: "INCREMENTAL", trigger: "SCHEDULED" }));
    expect(await updatedAts(harness.db, fixture.userSyncId)).toEqual(before);
    expect(await itemKinds(second.run.id)).toEqual({});

    // SYNC DATA within a day of the full run is a delta run: the System Log shows no change.
    const third = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(third.run)).toEqual(expectedCounts({ mode: "INCREMENTAL" }));
    expect(third.run).toMatchObject({ fallback: null, logChanges: 0 });
    expect(await updatedAts(harness.db, fixture.userSyncId)).toEqual(before);
    expect(await itemKinds(third.run.id)).toEqual({});

    // Full resync: everyone listed again, all unchanged, nothing written.
    const fourth = await syncOnce(harness.db, harness.runner, fixture, "MANUAL", { forceFull: true });
    expect(countsOf(fourth.run)).toEqual(expectedCounts({ usersProcessed: 60, usersUnchanged: 60 }));
    expect(await updatedAts(harness.db, fixture.userSyncId)).toEqual(before);
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(data);
    expect(await itemKinds(fourth.run.id)).toEqual({});
  });

  for (const policy of ["DELETE", "DEPROVISION"] as const) {
    it(`applies updates, deletions and deactivations (${policy}), memberships and group changes`, async () => {
      const { fake, fixture } = await setup(
        orgData(30, [
          { name: "G1", members: [0, 1, 2, 3, 4] },
          { name: "G2", members: [5, 6, 7] },
          { name: "G3", members: [8, 9] },
        ]),
        { deletionPolicy: policy, fullSyncEveryHours: 0 },
      );
      await syncOnce(harness.db, harness.runner, fixture);
      const ids = fake.directory.users.map((u) => u.id);
      const id = (i: number) => ids[i] as string;
      const [g1, g2, g3] = ["G1", "G2", "G3"].map((name) => oktaGroupId(fake, name)) as [
        string,
        string,
        string,
      ];
      fake.directory.updateUser(id(0), { firstName: "Renamed" });
      fake.directory.updateUser(id(1), { email: "New.Address@example.com" });
      fake.directory.deleteUser(id(2));
      fake.directory.deactivateUser(id(3));
      fake.directory.addMember(g1, id(20));
      fake.directory.removeMember(g2, id(5));
      const created = fake.directory.createGroup("New", "A new group");
      fake.directory.addMember(created.id, id(21));
      fake.directory.renameGroup(g2, "Sales EMEA", "Renamed group");
      fake.directory.deleteGroup(g3);

      const { run } = await syncOnce(harness.db, harness.runner, fixture);
      const removed = policy === "DELETE" ? { usersDeleted: 2 } : { usersDeprovisioned: 2 };
      // Memberships: +u20 in G1, +u21 in New; -u2 from Everyone and G1, -u5 from G2 (listings),
      // then u3's two (Everyone, G1) as it is removed, and G3's two with the group.
      expect(countsOf(run)).toEqual(
        expectedCounts({
          usersProcessed: 29,
          usersUpdated: 2,
          usersUnchanged: 26,
          ...removed,
          groupsCreated: 1,
          groupsUpdated: 1,
          groupsDeleted: 1,
          membershipsAdded: 2,
          membershipsRemoved: 7,
        }),
      );
      const items = await itemsOf(run.id);
      const kind = policy === "DELETE" ? "DELETED" : "DEPROVISIONED";
      expect(items).toEqual(
        [
          { kind: "UPDATED", externalId: id(0), userKey: login(0), reason: null },
          { kind: "UPDATED", externalId: id(1), userKey: "new.address@example.com", reason: null },
          { kind, externalId: id(2), userKey: login(2), reason: null },
          { kind, externalId: id(3), userKey: login(3), reason: null },
        ].sort((a, b) => String(a.externalId).localeCompare(String(b.externalId))),
      );
      const changed = await harness.db.syncRunItem.findFirstOrThrow({
        where: { syncRunId: run.id, externalId: id(1) },
      });
      expect(changed.changes).toEqual({ email: [login(1), "New.Address@example.com"] });

      const data = await snapshot(harness.db, fixture.userSyncId);
      const user = (i: number) => data.users.find((u) => u.externalId === id(i));
      expect(user(0)).toMatchObject({ firstName: "Renamed", status: "ACTIVE" });
      // Same Okta id, new address: the same user, updated (no new user).
      expect(user(1)).toMatchObject({ email: "New.Address@example.com", username: login(1) });
      expect(
        await harness.db.directoryUser.count({ where: { organizationId: fixture.organizationId } }),
      ).toBe(policy === "DELETE" ? 28 : 30);
      if (policy === "DELETE") {
        expect([user(2), user(3)]).toEqual([undefined, undefined]);
      } else {
        expect([user(2)?.status, user(3)?.status]).toEqual(["DEPROVISIONED", "DEPROVISIONED"]);
      }
      const members = (i: number[]) => i.map(id).sort();
      expect(data.groups.map((g) => [g.name, g.description, g.memberCount, g.members])).toEqual([
        [
          "Everyone",
          "All users in your organization",
          28,
          members([...Array(30).keys()].filter((i) => i !== 2 && i !== 3)),
        ],
        ["G1", null, 4, members([0, 1, 4, 20])],
        ["Sales EMEA", "Renamed group", 2, members([6, 7])],
        ["New", "A new group", 1, members([21])],
      ]);
      expect(await harness.db.userGroup.count({ where: { organizationId: fixture.organizationId } })).toBe(4);

      // Nothing changed since: a full run finds everyone unchanged (the deactivated user too,
      // when kept as DEPROVISIONED) and removes no one again.
      const before = await updatedAts(harness.db, fixture.userSyncId);
      const again = await syncOnce(harness.db, harness.runner, fixture);
      expect(countsOf(again.run)).toEqual(
        expectedCounts({ usersProcessed: 29, usersUnchanged: policy === "DELETE" ? 28 : 29 }),
      );
      expect(await updatedAts(harness.db, fixture.userSyncId)).toEqual(before);
    });
  }

  it("reads only what changed in incremental runs, and everything again when a full run is due", async () => {
    const { fake, fixture } = await setup(orgData(20, [{ name: "Ops", members: [0, 1] }]), {
      fullSyncEveryHours: 1,
    });
    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(first.run.mode).toBe("FULL");
    const ids = fake.directory.users.map((u) => u.id);
    const id = (i: number) => ids[i] as string;
    fake.directory.updateUser(id(4), { lastName: "Changed" });
    fake.directory.addMember(oktaGroupId(fake, "Ops"), id(5));
    fake.directory.deactivateUser(id(6));
    fake.directory.deleteUser(id(7));
    const incremental = await syncOnce(harness.db, harness.runner, fixture, "SCHEDULED");
    // A delta run. Listed: the changed and the deactivated user; the deleted user (it shows in no
    // listing) and Ops's new member come from the System Log, so Ops's members are not listed.
    // Everyone reconciled in the database.
    expect(countsOf(incremental.run)).toEqual(
      expectedCounts({
        mode: "INCREMENTAL",
        trigger: "SCHEDULED",
        usersProcessed: 2,
        usersUpdated: 1,
        usersDeleted: 2,
        membershipsAdded: 1,
        membershipsRemoved: 2,
      }),
    );
    // The log, the users and the groups: a request each.
    expect(incremental.run).toMatchObject({ fallback: null, oktaRequests: 3 });
    expect(incremental.run.logChanges).toBeGreaterThanOrEqual(2);
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(18);

    // An hour later (on the app's clock) a full run is due: everything listed, nothing left to remove.
    await harness.db.userSync.update({
      where: { id: fixture.userSyncId },
      data: { lastFullSyncAt: new Date(Date.now() - 3_600_000) },
    });
    const full = await syncOnce(harness.db, harness.runner, fixture, "SCHEDULED");
    expect(countsOf(full.run)).toEqual(
      expectedCounts({ trigger: "SCHEDULED", usersProcessed: 19, usersUnchanged: 18 }),
    );
    expect(await harness.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(18);
  });

  it("falls back when Okta refuses the System Log: SYNC DATA lists in full, a scheduled run re-lists groups", async () => {
    const { fake, fixture } = await setup(orgData(12, [{ name: "Ops", members: [0, 1] }]));
    await syncOnce(harness.db, harness.runner, fixture);
    fake.setHostile({ logsForbidden: true });
    const ids = fake.directory.users.map((u) => u.id);
    fake.directory.deleteUser(ids[3] as string);
    fake.directory.addMember(oktaGroupId(fake, "Ops"), ids[4] as string);

    const manual = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(manual.run)).toEqual(
      expectedCounts({
        usersProcessed: 11,
        usersUnchanged: 11,
        usersDeleted: 1,
        membershipsAdded: 1,
        membershipsRemoved: 1,
      }),
    );
    expect(manual.run.fallback).toMatch(
      /did not let this API token read the System Log.*listed every user and group/,
    );
    // The report says so too.
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: manual.run.id } });
    expect(report.html).toContain("did not let this API token read the System Log");

    fake.directory.removeMember(oktaGroupId(fake, "Ops"), ids[4] as string);
    const scheduled = await syncOnce(harness.db, harness.runner, fixture, "SCHEDULED");
    expect(countsOf(scheduled.run)).toEqual(
      expectedCounts({ mode: "INCREMENTAL", trigger: "SCHEDULED", membershipsRemoved: 1 }),
    );
    expect(scheduled.run.fallback).toMatch(/re-listed the groups whose members changed/);
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.logCursor).toBeNull();
  });
});
