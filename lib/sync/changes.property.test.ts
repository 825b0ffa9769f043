import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDb } from "@/test-support/db";
import { createUserSync, openTestDb, runSync, TestClock } from "./testing/fixtures";
import { MemoryDirectory } from "./testing/memory-directory";

/*
 * The delta path's promise: whatever the directory does between runs, the store after delta runs equals,
 * row for row, the store a full run builds from the same directory. Random orgs, random sequences
 * of Okta changes between SYNC DATA runs, and a log that publishes events up to two minutes late
 * (within the runs' overlap), so some changes are found only by the run after.
 */

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

const SECOND = 1000;
const MINUTE = 60 * SECOND;

type Op =
  | { op: "createUser" }
  | { op: "updateUser"; user: number; lastName: string }
  | { op: "deactivate" | "reactivate" | "deleteUser"; user: number }
  | { op: "createGroup"; app: boolean }
  | { op: "renameGroup"; group: number; name: string }
  | { op: "deleteGroup"; group: number }
  | { op: "addMember" | "removeMember"; group: number; user: number };

const index = fc.nat({ max: 20 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ op: "createUser" as const }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("updateUser" as const),
      user: index,
      lastName: fc.constantFrom("Ng", "Łukasz", "O'Brien"),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constantFrom("deactivate" as const, "reactivate" as const, "deleteUser" as const),
      user: index,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant("createGroup" as const), app: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant("renameGroup" as const),
      group: index,
      name: fc.constantFrom("Team 5", "Team 10", "Ops"),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant("deleteGroup" as const), group: index }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constantFrom("addMember" as const, "removeMember" as const),
      group: index,
      user: index,
    }),
    weight: 6,
  },
);

/** A batch of Okta changes, seconds apart, then how long until the next SYNC DATA. */
const batchArb = fc.record({
  ops: fc.array(fc.record({ op: opArb, gap: fc.integer({ min: 1, max: 40 }) }), { maxLength: 8 }),
  wait: fc.integer({ min: 0, max: 3 * MINUTE }),
});

const orgArb = fc.record({
  users: fc.integer({ min: 1, max: 6 }),
  groups: fc.integer({ min: 1, max: 3 }),
  members: fc.array(fc.tuple(index, index), { maxLength: 12 }),
});

class Org {
  users: string[] = [];
  groups: string[] = [];
  private readonly types = new Map<string, string>();
  private next = 0;

  constructor(readonly directory: MemoryDirectory) {}

  createUser() {
    const id = `u${this.next++}`;
    this.directory.putUser({ externalId: id, email: `${id}@acme.test` });
    this.users.push(id);
  }

  createGroup(type = "OKTA_GROUP") {
    const id = `g${this.next++}`;
    this.directory.putGroup({ externalId: id, name: `Group ${id}`, type });
    this.groups.push(id);
    this.types.set(id, type);
  }

  apply(op: Op) {
    const user = "user" in op ? this.users[op.user % Math.max(this.users.length, 1)] : undefined;
    const group = "group" in op ? this.groups[op.group % Math.max(this.groups.length, 1)] : undefined;
    switch (op.op) {
      case "createUser":
        return this.createUser();
      case "createGroup":
        return this.createGroup(op.app ? "APP_GROUP" : "OKTA_GROUP");
      case "updateUser":
        if (user) this.directory.updateUser(user, { lastName: op.lastName });
        return;
      case "deactivate":
        if (user) this.directory.updateUser(user, { status: "DEPROVISIONED" });
        return;
      case "reactivate":
        if (user) this.directory.updateUser(user, { status: "ACTIVE" });
        return;
      case "deleteUser":
        if (!user) return;
        this.directory.deleteUser(user);
        this.users = this.users.filter((id) => id !== user);
        return;
      case "renameGroup":
        if (group) this.directory.putGroup({ externalId: group, name: op.name, type: this.types.get(group) });
        return;
      case "deleteGroup":
        if (!group) return;
        this.directory.deleteGroup(group);
        this.groups = this.groups.filter((id) => id !== group);
        return;
      case "addMember":
        if (group && user) this.directory.addMembers(group, [user]);
        return;
      case "removeMember":
        if (group && user) this.directory.removeMembers(group, [user]);
        return;
    }
  }
}

/** The sync's store as rows a full run and delta runs should agree on (ids aside). */
async function storeOf(userSyncId: string) {
  const users = await t.db.directoryUser.findMany({
    where: { userSyncId },
    select: { externalId: true, status: true, email: true, username: true, firstName: true, lastName: true },
    orderBy: { externalId: "asc" },
  });
  const groups = await t.db.userGroup.findMany({
    where: { userSyncId },
    select: { externalId: true, name: true, description: true, type: true, memberCount: true },
    orderBy: { externalId: "asc" },
  });
  const memberships = await t.db.groupMembership.findMany({
    where: { group: { userSyncId } },
    select: { group: { select: { externalId: true } }, user: { select: { externalId: true } } },
  });
  return {
    users,
    groups,
    memberships: memberships.map((m) => `${m.group.externalId}/${m.user.externalId}`).sort(),
  };
}

/** What the store should hold, from the directory itself: an oracle for the full run too. */
async function truthOf(directory: MemoryDirectory) {
  const people = (await directory.listUsers(null)).items.filter((p) => p.status !== "DEPROVISIONED");
  const imported = new Set(people.map((p) => p.externalId));
  const groups = (await directory.listGroups(null)).items;
  const memberships: string[] = [];
  for (const group of groups) {
    const members =
      group.name === "Everyone" && group.type === "BUILT_IN"
        ? [...imported]
        : (await directory.listGroupMembers(group.externalId, null)).items.filter((id) => imported.has(id));
    for (const id of members) memberships.push(`${group.externalId}/${id}`);
  }
  return {
    users: people.map((p) => p.externalId).sort(),
    groups: groups.map((g) => [g.externalId, g.name]).sort(),
    memberships: memberships.sort(),
  };
}

describe.each([
  {
    source: "a change log (Okta's System Log), late events included",
    options: { changeLog: true, logDelayMs: 2 * MINUTE },
    numRuns: 200,
  },
  // Fewer: the feed has no late events to explore, and the suite's time is shared.
  { source: "a change feed (Graph's delta queries)", options: { changeFeed: true }, numRuns: 60 },
])("delta runs ≡ a full run, on $source", ({ options, numRuns }) => {
  it(`over ${numRuns} random orgs and sequences of directory changes`, async () => {
    await fc.assert(
      fc.asyncProperty(orgArb, fc.array(batchArb, { minLength: 1, maxLength: 4 }), async (shape, batches) => {
        const clock = new TestClock();
        const directory = new MemoryDirectory({ now: clock.now, ...options });
        const org = new Org(directory);
        for (let i = 0; i < shape.users; i++) org.createUser();
        for (let i = 0; i < shape.groups; i++) org.createGroup();
        directory.putGroup({ externalId: "everyone", name: "Everyone", type: "BUILT_IN" });
        for (const [g, u] of shape.members) org.apply({ op: "addMember", group: g, user: u });

        const settings = { safeguardPercent: 100 };
        const { sync } = await createUserSync(t.db, settings);
        const deps = { db: t.db, provider: directory, now: clock.now };
        clock.advance(MINUTE);
        const first = await runSync(deps, sync);
        expect(first.run).toMatchObject({ mode: "FULL", status: "SUCCEEDED" });

        for (const batch of batches) {
          for (const { op, gap } of batch.ops) {
            clock.advance(gap * SECOND);
            org.apply(op);
          }
          clock.advance(batch.wait);
          const { run } = await runSync(deps, sync);
          expect(run).toMatchObject({ mode: "INCREMENTAL", fallback: null, status: "SUCCEEDED" });
        }
        // Every late event published by now.
        clock.advance(3 * MINUTE);
        const last = await runSync(deps, sync);
        expect(last.run).toMatchObject({ mode: "INCREMENTAL", fallback: null });

        const { sync: reference } = await createUserSync(t.db, settings);
        const full = await runSync(deps, reference);
        expect(full.run).toMatchObject({ mode: "FULL", status: "SUCCEEDED" });
        const store = await storeOf(sync.id);
        expect(store).toEqual(await storeOf(reference.id));
        // And both hold what the directory holds.
        expect({
          users: store.users.map((u) => u.externalId),
          groups: store.groups.map((g) => [g.externalId, g.name]),
          memberships: store.memberships,
        }).toEqual(await truthOf(directory));
      }),
      { numRuns },
    );
  }, 600_000);
});
