import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import type { TestDb } from "@/test-support/db";
import {
  countsOf,
  createUserSync,
  HOUR,
  NO_CHANGES,
  openTestDb,
  snapshot,
  syncHarness,
} from "./testing/fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

async function itemsOf(db: Db, syncRunId: string) {
  const items = await db.syncRunItem.findMany({ where: { syncRunId } });
  return items
    .map(({ kind, externalId, userKey, reason, changes }) => ({ kind, externalId, userKey, reason, changes }))
    .sort((a, b) => (`${a.kind}${a.externalId}` < `${b.kind}${b.externalId}` ? -1 : 1));
}

describe("users", () => {
  it("first sync: creates every listed user, records each, counts exactly, and closes the run", async () => {
    const h = await syncHarness(t.db, { directory: { pageSize: 2 }, budget: { userPages: 2 } });
    h.directory.putUser({
      externalId: "u1",
      email: "Ada@Acme.test",
      username: "ada",
      extra: { department: "R&D" },
    });
    h.directory.putUser({
      externalId: "u2",
      firstName: "Grace",
      lastName: "Hopper",
      displayName: "Amazing Grace",
    });
    h.directory.putUser({ externalId: "u3", status: "STAGED" });
    h.directory.putUser({ externalId: "u4" });
    h.directory.putUser({ externalId: "u5", status: "DEPROVISIONED" });
    const { run, result } = await h.run();

    expect(result).toEqual({ status: "finished", runStatus: "SUCCEEDED" });
    const users = await t.db.directoryUser.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(
      users.map((u) => [
        u.externalId,
        u.email,
        u.emailKey,
        u.username,
        u.firstName,
        u.lastName,
        u.displayName,
        u.status,
      ]),
    ).toEqual([
      ["u1", "Ada@Acme.test", "ada@acme.test", "ada", "First u1", "Tester", null, "ACTIVE"],
      ["u2", "u2@acme.test", "u2@acme.test", "u2@acme.test", "Grace", "Hopper", "Amazing Grace", "ACTIVE"],
      ["u3", "u3@acme.test", "u3@acme.test", "u3@acme.test", "First u3", "Tester", null, "STAGED"],
      ["u4", "u4@acme.test", "u4@acme.test", "u4@acme.test", "First u4", "Tester", null, "ACTIVE"],
    ]);
    expect(users[0]).toMatchObject({
      organizationId: h.sync.organizationId,
      profile: { login: "ada", email: "Ada@Acme.test", department: "R&D" },
      emailVerified: false,
      enrollmentStatus: "NONE",
      externalUpdatedAt: h.clock.now(),
    });
    expect(users.every((u) => u.contentHash?.length === 43)).toBe(true);
    expect(await itemsOf(t.db, run.id)).toEqual(
      [
        ["u1", "ada@acme.test"],
        ["u2", "u2@acme.test"],
        ["u3", "u3@acme.test"],
        ["u4", "u4@acme.test"],
      ].map(([externalId, userKey]) => ({
        kind: "CREATED",
        externalId,
        userKey,
        reason: null,
        changes: null,
      })),
    );
    expect(countsOf(run)).toEqual({ ...NO_CHANGES, usersCreated: 4 });
    expect(run).toMatchObject({
      status: "SUCCEEDED",
      phase: "DONE",
      mode: "FULL",
      usersProcessed: 5,
      usersExpected: 0,
      startedAt: h.clock.now(),
      finishedAt: h.clock.now(),
      // 3 user pages, 1 group page, no members to read
      pagesFetched: 4,
      oktaRequests: 4,
    });
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: h.sync.id } });
    expect(sync).toMatchObject({
      activeRunId: null,
      lastFullSyncAt: run.startedAt,
      lastSyncedFrom: run.startedAt,
    });
    expect(await t.db.syncRunSeen.count({ where: { syncRunId: run.id } })).toBe(0);
  });

  it("a run that changes nothing writes nothing, full or incremental", async () => {
    const h = await syncHarness(t.db, { directory: { pageSize: 2 } });
    for (const id of ["u1", "u2", "u3"]) h.directory.putUser({ externalId: id });
    h.directory.putUser({ externalId: "u4", status: "DEPROVISIONED" });
    h.directory.putGroup({ externalId: "g1", description: "Everyone in R&D" });
    h.directory.setMembers("g1", ["u1", "u2", "u4"]);
    await h.run();
    const before = await snapshot(t.db, h.sync.id);
    expect(before.memberships).toHaveLength(2);

    h.clock.advance(HOUR);
    const full = await h.run({ forceFull: true });
    expect(full.run.mode).toBe("FULL");
    expect(countsOf(full.run)).toEqual({ ...NO_CHANGES, usersUnchanged: 3 });
    expect(await itemsOf(t.db, full.run.id)).toEqual([]);

    h.clock.advance(HOUR);
    const incremental = await h.run({ trigger: "SCHEDULED" });
    expect(incremental.run).toMatchObject({ mode: "INCREMENTAL", usersProcessed: 0, status: "SUCCEEDED" });
    expect(countsOf(incremental.run)).toEqual(NO_CHANGES);
    expect(await snapshot(t.db, h.sync.id)).toEqual(before);
  });

  it("updates changed attributes in place, an email change included, and records the changes", async () => {
    const h = await syncHarness(t.db);
    h.directory.putUser({ externalId: "u1", extra: { title: "Engineer" } });
    h.directory.putUser({ externalId: "u2" });
    h.directory.putUser({ externalId: "u3" });
    // Later than the incremental listing's overlap, so the next run lists only what changes.
    h.clock.advance(HOUR);
    await h.run();
    const [u1Before] = await t.db.directoryUser.findMany({
      where: { externalId: "u1", userSyncId: h.sync.id },
    });

    h.clock.advance(HOUR);
    h.directory.updateUser("u1", { lastName: "Byron", extra: { title: "Countess" } });
    h.directory.updateUser("u2", { email: "U2.New@Acme.test", username: "u2.new" });
    const { run } = await h.run({ trigger: "SCHEDULED" });

    expect(countsOf(run)).toEqual({ ...NO_CHANGES, usersUpdated: 2 });
    expect(run.usersProcessed).toBe(2);
    expect(await itemsOf(t.db, run.id)).toEqual([
      {
        kind: "UPDATED",
        externalId: "u1",
        userKey: "u1@acme.test",
        reason: null,
        changes: { lastName: ["Tester", "Byron"], "profile.title": ["Engineer", "Countess"] },
      },
      {
        kind: "UPDATED",
        externalId: "u2",
        userKey: "u2.new@acme.test",
        reason: null,
        changes: { email: ["u2@acme.test", "U2.New@Acme.test"], username: ["u2@acme.test", "u2.new"] },
      },
    ]);
    const users = await t.db.directoryUser.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(users).toHaveLength(3);
    expect(users[0]).toMatchObject({ id: u1Before?.id, lastName: "Byron", profile: { title: "Countess" } });
    expect(users[0]?.contentHash).not.toBe(u1Before?.contentHash);
    expect(users[1]).toMatchObject({
      email: "U2.New@Acme.test",
      emailKey: "u2.new@acme.test",
      username: "u2.new",
    });
    expect(users[0]?.updatedAt).toEqual(h.clock.now());
    expect(users[2]?.updatedAt).not.toEqual(h.clock.now());
  });

  it("Send Enrollment Email: created users are INVITED, not yet invited (the sender's to do)", async () => {
    const h = await syncHarness(t.db, { settings: { enrollmentType: "SEND_ENROLLMENT_EMAIL" } });
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "u2" });
    h.directory.putUser({ externalId: "u3", status: "DEPROVISIONED" });
    await h.run();

    const users = await t.db.directoryUser.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(users.map((u) => [u.externalId, u.enrollmentStatus, u.invitedAt, u.emailVerified])).toEqual([
      ["u1", "INVITED", null, false],
      ["u2", "INVITED", null, false],
    ]);
  });

  it("Trust Email: every synced user's email is verified, created or updated", async () => {
    const h = await syncHarness(t.db, { settings: { enrollmentType: "ONLY_SYNC" } });
    h.directory.putUser({ externalId: "u1" });
    await h.run();
    await t.db.userSync.update({ where: { id: h.sync.id }, data: { enrollmentType: "TRUST_EMAIL" } });
    h.directory.putUser({ externalId: "u2" });

    const { run } = await h.run({ forceFull: true });
    expect(countsOf(run)).toEqual({ ...NO_CHANGES, usersCreated: 1, usersUpdated: 1 });
    const users = await t.db.directoryUser.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(users.map((u) => [u.externalId, u.emailVerified, u.enrollmentStatus])).toEqual([
      ["u1", true, "NONE"],
      ["u2", true, "NONE"],
    ]);
    expect((await itemsOf(t.db, run.id))[1]?.changes).toEqual({ emailVerified: [false, true] });
  });

  it("Only Sync: no invitation and no verification; a new address is no longer verified", async () => {
    const h = await syncHarness(t.db, { settings: { enrollmentType: "ONLY_SYNC" } });
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "u2" });
    await h.run();
    await t.db.directoryUser.updateMany({ where: { userSyncId: h.sync.id }, data: { emailVerified: true } });
    h.directory.updateUser("u1", { email: "other@acme.test" });
    h.directory.updateUser("u2", { email: "U2@ACME.TEST" });
    await h.run({ forceFull: true });
    const users = await t.db.directoryUser.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(users.map((u) => [u.email, u.emailVerified, u.enrollmentStatus, u.invitedAt])).toEqual([
      ["other@acme.test", false, "NONE", null],
      ["U2@ACME.TEST", true, "NONE", null],
    ]);
  });

  it("Username unique field: matches the login exactly and adopts a user of no source", async () => {
    const h = await syncHarness(t.db, { settings: { uniqueField: "USERNAME" } });
    const manual = await t.db.directoryUser.create({
      data: {
        organizationId: h.sync.organizationId,
        username: "ada",
        email: "ada@elsewhere.test",
        status: "ACTIVE",
      },
    });
    h.directory.putUser({ externalId: "u1", username: "ada", email: "ada@acme.test" });
    h.directory.putUser({ externalId: "u2", username: "grace", email: null });
    const { run } = await h.run();

    expect(countsOf(run)).toEqual({ ...NO_CHANGES, usersCreated: 1, usersUpdated: 1 });
    const adopted = await t.db.directoryUser.findUniqueOrThrow({ where: { id: manual.id } });
    expect(adopted).toMatchObject({ userSyncId: h.sync.id, externalId: "u1", email: "ada@acme.test" });
    expect(await itemsOf(t.db, run.id)).toEqual([
      { kind: "CREATED", externalId: "u2", userKey: "grace", reason: null, changes: null },
      {
        kind: "UPDATED",
        externalId: "u1",
        userKey: "ada",
        reason: "Adopted an existing user of the organization",
        changes: {
          externalId: [null, "u1"],
          email: ["ada@elsewhere.test", "ada@acme.test"],
          firstName: [null, "First u1"],
          lastName: [null, "Tester"],
          // the profile's firstName and lastName show as columns already
          "profile.email": [null, "ada@acme.test"],
          "profile.login": [null, "ada"],
        },
      },
    ]);
  });

  it("records each user that cannot be imported, imports the rest, and ends PARTIAL", async () => {
    const h = await syncHarness(t.db);
    const other = await createUserSync(t.db, { organizationId: h.sync.organizationId });
    await t.db.directoryUser.create({
      data: {
        organizationId: h.sync.organizationId,
        userSyncId: other.sync.id,
        externalId: "azure-1",
        email: "taken@acme.test",
        emailKey: "taken@acme.test",
        status: "ACTIVE",
      },
    });
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "u2", email: null, username: "no-email" });
    h.directory.putUser({ externalId: "u3", email: "not an email" });
    h.directory.putUser({ externalId: "u4", lastName: "x".repeat(300) });
    h.directory.putUser({ externalId: "u5", email: "twin@acme.test" });
    h.directory.putUser({ externalId: "u6", email: "TWIN@acme.test" });
    h.directory.putUser({ externalId: "u7", email: "Taken@acme.test" });
    const { run, result } = await h.run();

    expect(result).toEqual({ status: "finished", runStatus: "PARTIAL" });
    expect(countsOf(run)).toEqual({ ...NO_CHANGES, usersCreated: 2, usersFailed: 5 });
    const errors = (await itemsOf(t.db, run.id)).filter((i) => i.kind === "ERROR");
    expect(errors.map((e) => [e.externalId, e.userKey, e.reason])).toEqual([
      ["u2", null, "No email, the sync's unique field"],
      ["u3", "not an email", "The email is not a valid address"],
      ["u4", "u4@acme.test", "The lastName is longer than 255 characters"],
      ["u6", "twin@acme.test", "Another directory user (u5) has the same email"],
      ["u7", "taken@acme.test", "The email is already owned by another source"],
    ]);
    const imported = await t.db.directoryUser.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(imported.map((u) => u.externalId)).toEqual(["u1", "u5"]);

    // The duplicate is refused again on the next run, across pages too, and nothing is deleted.
    h.clock.advance(HOUR);
    const again = await h.run({ forceFull: true });
    expect(countsOf(again.run)).toEqual({ ...NO_CHANGES, usersUnchanged: 2, usersFailed: 5 });
  });
});
