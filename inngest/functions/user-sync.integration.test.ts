import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDb, type TestDb } from "@/lib/testing/db";
import {
  countsOf,
  expectedCounts,
  oktaGroupId,
  oktaId,
  orgData,
  type SyncHarness,
  snapshot,
  startSyncHarness,
  syncOnce,
  updatedAts,
} from "@/lib/testing/sync-e2e";
import { createSyncFixture, type SyncFixtureOptions } from "@/lib/testing/sync-run";
import { type DirectoryJson, type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";

// Real syncs end to end: SYNC DATA (requestSyncRun) → event → local runner → the app's
// /api/inngest route → advanceSync → OktaClient over HTTP → fake Okta → the test database.
let t: TestDb;
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => t.db,
}));

let h: SyncHarness;
const fakes: FakeOkta[] = [];
beforeAll(async () => {
  t = await createTestDb();
  h = await startSyncHarness();
});
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
afterAll(async () => {
  await h?.close();
  await t?.close();
});

/** A fake org with pages of 10 users (so 5 pages a step spans several steps) and a sync of it. */
async function setup(data: DirectoryJson, sync: Partial<SyncFixtureOptions> = {}) {
  const fake = await startFakeOkta({ data, maxPageSize: { users: 10, members: 10 } });
  fakes.push(fake);
  const fixture = await createSyncFixture(t.db, { domain: fake.url, token: fake.token, ...sync });
  return { fake, fixture };
}

describe("a sync through the runner, the route and a fake Okta", () => {
  it("imports users, groups and memberships, then a second run writes nothing", async () => {
    const { fake, fixture } = await setup(
      orgData(60, [
        { name: "Engineering", description: "Builds it", members: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] },
        { name: "Sales", members: [10, 11, 12] },
      ]),
    );
    const first = await syncOnce(t.db, h.runner, fixture);
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
    // Users: 6 pages; members: Everyone 6 pages, Engineering 2, Sales 1; groups 1.
    expect(first.run.pagesFetched).toBe(16);
    const data = await snapshot(t.db, fixture.userSyncId);
    expect(data.users).toHaveLength(60);
    expect(data.users[0]).toEqual({
      externalId: oktaId(fake, "user000@example.com"),
      email: "user000@example.com",
      username: "user000@example.com",
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
    expect(data.groups[2]?.members).toEqual(
      [10, 11, 12].map((i) => oktaId(fake, `user${String(i).padStart(3, "0")}@example.com`)),
    );
    const items = await t.db.syncRunItem.groupBy({
      by: ["kind"],
      where: { syncRunId: first.run.id },
      _count: true,
    });
    expect(items.map((i) => [i.kind, i._count])).toEqual([["CREATED", 60]]);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync).toMatchObject({ activeRunId: null, lastSyncedFrom: first.run.startedAt });
    expect(await t.db.syncRunSeen.count()).toBe(0);

    const before = await updatedAts(t.db, fixture.userSyncId);
    const second = await syncOnce(t.db, h.runner, fixture);
    expect(countsOf(second.run)).toEqual(
      expectedCounts({ mode: "INCREMENTAL", usersProcessed: 0, usersUnchanged: 0 }),
    );
    expect(await updatedAts(t.db, fixture.userSyncId)).toEqual(before);
    expect(await snapshot(t.db, fixture.userSyncId)).toEqual(data);
    expect(await t.db.syncRunItem.count({ where: { syncRunId: second.run.id } })).toBe(0);

    expect(oktaGroupId(fake, "Sales")).toBeTruthy();
  });
});
