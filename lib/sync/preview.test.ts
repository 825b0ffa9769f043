import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, SyncRun, UserSync } from "@/lib/db";
import type { TestDb } from "@/test-support/db";
import { startRunRequest } from "./run";
import { openTestDb, pickRun, RUN_COUNTERS, snapshot, syncHarness } from "./testing/fixtures";
import type { MemoryDirectory } from "./testing/memory-directory";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

/** What a preview promises to tell: every counter but the memberships', which it does not read. */
const PREVIEWED = RUN_COUNTERS.filter((counter) => !counter.startsWith("memberships"));
const previewed = (run: SyncRun) => pickRun(run, PREVIEWED);

/** A run's per-user items, as comparable text. */
async function itemsOf(db: Db, run: SyncRun): Promise<string[]> {
  const items = await db.syncRunItem.findMany({ where: { syncRunId: run.id } });
  return items
    .map((i) => [i.kind, i.externalId, i.userKey, i.reason, JSON.stringify(i.changes)].join(" | "))
    .sort();
}

/** Everything of the organization a sync may touch, and the sync's own markers of its runs. */
async function store(db: Db, sync: UserSync) {
  const { lastSyncedFrom, lastFullSyncAt, logCursor } = await db.userSync.findUniqueOrThrow({
    where: { id: sync.id },
  });
  const organizationUsers = await db.directoryUser.findMany({
    where: { organizationId: sync.organizationId },
    orderBy: { id: "asc" },
  });
  return { ...(await snapshot(db, sync.id)), organizationUsers, lastSyncedFrom, lastFullSyncAt, logCursor };
}

const user = (
  n: number,
  email: string | null,
  extra: Partial<{ status: string; lastName: string }> = {},
) => ({
  externalId: `u${String(n).padStart(3, "0")}`,
  email,
  username: `user${n}`,
  firstName: "Ada",
  lastName: extra.lastName ?? `Number ${n}`,
  status: extra.status ?? "ACTIVE",
});

/**
 * The preview of the directory as it is, then SYNC DATA (a full run, as a preview is): the
 * preview must have said what the run did, and written nothing itself.
 */
async function previewThenSync(h: Awaited<ReturnType<typeof syncHarness>>) {
  const before = await store(t.db, h.sync);
  const preview = await h.run({ preview: true });
  expect(await store(t.db, h.sync)).toEqual(before);
  const real = await h.run({ forceFull: true });
  return { preview: preview.run, real: real.run };
}

describe("Preview", () => {
  it("of a first sync says what SYNC DATA creates and refuses, across pages, and writes nothing", async () => {
    const h = await syncHarness(t.db, { directory: { pageSize: 3 }, budget: { userPages: 2 } });
    // Duplicates across pages (u001/u009), no email, an invalid one, and a deactivated user.
    h.directory.putUser(user(1, "shared@acme.test"));
    for (let n = 2; n <= 8; n++) h.directory.putUser(user(n, `person${n}@acme.test`));
    h.directory.putUser(user(9, "SHARED@acme.test"));
    h.directory.putUser(user(10, null));
    h.directory.putUser(user(11, "not-an-address"));
    h.directory.putUser(user(12, "gone@acme.test", { status: "DEPROVISIONED" }));
    h.directory.putGroup({ externalId: "g1", name: "Team 5" });
    h.directory.putGroup({ externalId: "g2", name: "Team 10" });

    const { preview, real } = await previewThenSync(h);
    expect(preview).toMatchObject({ preview: true, status: "PARTIAL", mode: "FULL" });
    expect(previewed(preview)).toEqual(previewed(real));
    expect(preview).toMatchObject({ usersCreated: 8, usersFailed: 3, groupsCreated: 2, membershipsAdded: 0 });
    expect(await itemsOf(t.db, preview)).toEqual(await itemsOf(t.db, real));
    // Its scratch went with it.
    expect(await t.db.syncRunPreviewUser.count({ where: { syncRunId: preview.id } })).toBe(0);
  });

  it("matches later pages as the skipped writes would have left the store", async () => {
    const h = await syncHarness(t.db, {
      directory: { pageSize: 2 },
      budget: { userPages: 1 },
      settings: { safeguardPercent: 100, deletionPolicy: "DEPROVISION" },
    });
    for (let n = 1; n <= 8; n++) h.directory.putUser(user(n, `person${n}@acme.test`));
    // A user of the organization from no source, whose email an Okta user will claim.
    await t.db.directoryUser.create({
      data: {
        organizationId: h.sync.organizationId,
        email: "walk-in@acme.test",
        emailKey: "walk-in@acme.test",
        name: "Walk In",
        status: "ACTIVE",
      },
    });
    await h.run();

    // Pages of two, in id order. Each pair below only matches right if the earlier page's skipped
    // write is taken into account.
    h.directory.updateUser("u001", { email: "renamed1@acme.test" }); // frees person1@, page 1
    h.directory.putUser(user(7, "person1@acme.test")); // which u007 takes, page 4: updated
    h.directory.putUser(user(2, "fresh@acme.test")); // u002 takes fresh@, page 2
    h.directory.putUser(user(20, "fresh@acme.test")); // so the new u020 is refused, page 5
    h.directory.putUser(user(0, "walk-in@acme.test")); // u000 adopts the walk-in, page 1
    h.directory.putUser(user(30, "Walk-In@acme.test")); // so u030 is refused, not adopting it again
    h.directory.putUser(user(40, "new@acme.test")); // created
    h.directory.putUser(user(5, "person5@acme.test", { lastName: "Changed" })); // updated
    h.directory.putUser(user(6, "person6@acme.test", { status: "DEPROVISIONED" }));
    h.directory.deleteUser("u008");

    const { preview, real } = await previewThenSync(h);
    expect(previewed(preview)).toEqual(previewed(real));
    expect(await itemsOf(t.db, preview)).toEqual(await itemsOf(t.db, real));
    expect(real).toMatchObject({ usersCreated: 1, usersUpdated: 5, usersFailed: 2, usersDeprovisioned: 2 });
  });

  it("does not stop at the safeguard: it says SYNC DATA would, and what it would remove", async () => {
    const h = await syncHarness(t.db, { settings: { safeguardPercent: 20, deletionPolicy: "DELETE" } });
    for (let n = 1; n <= 10; n++) h.directory.putUser(user(n, `person${n}@acme.test`));
    h.directory.putGroup({ externalId: "g1", name: "Ops" });
    h.directory.setMembers("g1", ["u001", "u002"]);
    await h.run();
    for (let n = 1; n <= 5; n++) h.directory.deleteUser(`u00${n}`);
    h.directory.deleteGroup("g1");

    const before = await store(t.db, h.sync);
    const { run: preview, result } = await h.run({ preview: true });
    expect(result).toEqual({ status: "finished", runStatus: "SUCCEEDED" });
    expect(preview).toMatchObject({
      pendingRemovals: 5,
      pendingGroupRemovals: 1,
      usersDeleted: 5,
      groupsDeleted: 1,
      decision: null,
    });
    expect(await store(t.db, h.sync)).toEqual(before);

    const { run: real } = await h.run();
    expect(real).toMatchObject({ status: "BLOCKED", pendingRemovals: 5, pendingGroupRemovals: 1 });
    const removed = (await itemsOf(t.db, preview)).filter((item) => item.startsWith("DELETED"));
    expect(removed).toHaveLength(5);
    expect(removed[0]).toMatch(/^DELETED \| u001 \| person1@acme.test/);
  });

  it("holds the sync like any run: of a preview and SYNC DATA clicked together, one starts", async () => {
    const h = await syncHarness(t.db);
    const request = { organizationId: h.sync.organizationId, userSyncId: h.sync.id, startedById: null };
    const results = await Promise.all([
      startRunRequest(t.db, { ...request, trigger: "MANUAL", preview: true }),
      startRunRequest(t.db, { ...request, trigger: "MANUAL" }),
      startRunRequest(t.db, { ...request, trigger: "MANUAL", preview: true }),
    ]);
    expect(results.filter((r) => r.started)).toHaveLength(1);
  });

  it("says what SYNC DATA then does, whatever the store and the directory (property)", async () => {
    const emails = ["a@x.test", "A@x.test", "b@x.test", "c@x.test", "d@x.test", null];
    const person = fc.record({
      n: fc.integer({ min: 1, max: 12 }),
      email: fc.constantFrom(...emails),
      lastName: fc.constantFrom("Ng", "Łukasz"),
      status: fc.constantFrom("ACTIVE", "ACTIVE", "ACTIVE", "DEPROVISIONED"),
    });
    type Person = typeof person extends fc.Arbitrary<infer P> ? P : never;
    await fc.assert(
      fc.asyncProperty(
        fc.array(person, { maxLength: 10 }),
        fc.array(person, { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 }),
        fc.array(fc.constantFrom("a@x.test", "c@x.test"), { maxLength: 2 }),
        fc.integer({ min: 1, max: 4 }),
        async (first, then, deleted, walkIns, pageSize) => {
          const h = await syncHarness(t.db, {
            directory: { pageSize },
            budget: { userPages: 1 },
            settings: { safeguardPercent: 100 },
          });
          const put = (directory: MemoryDirectory, p: Person) => directory.putUser(user(p.n, p.email, p));
          for (const p of first) put(h.directory, p);
          for (const email of walkIns) {
            await t.db.directoryUser.create({
              data: { organizationId: h.sync.organizationId, email, emailKey: email, status: "ACTIVE" },
            });
          }
          await h.run();
          for (const p of then) put(h.directory, p);
          for (const n of deleted) h.directory.deleteUser(user(n, null).externalId);

          const { preview, real } = await previewThenSync(h);
          expect(previewed(preview)).toEqual(previewed(real));
          expect(await itemsOf(t.db, preview)).toEqual(await itemsOf(t.db, real));
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
