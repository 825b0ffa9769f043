import { describe, expect, it, vi } from "vitest";
import type { DirectoryJson } from "@/scripts/fake-okta";
import {
  countsOf,
  expectedCounts,
  type OrgUser,
  oktaId,
  orgData,
  snapshot,
  syncOnce,
  updatedAts,
  withSyncHarness,
} from "@/test-support/sync-e2e";
import { addUserSync, type SyncFixture, type SyncFixtureOptions } from "@/test-support/sync-run";

// Real syncs end to end (see user-sync.integration.test.ts): enrollment types, unique fields and
// the users a sync refuses.
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));

const harness = withSyncHarness();

async function fakeOrg(data: DirectoryJson) {
  return harness.startFakeOkta({ data, maxPageSize: { users: 3 } });
}

async function setup(data: DirectoryJson, sync: Partial<SyncFixtureOptions> = {}) {
  const fake = await fakeOrg(data);
  const fixture = await harness.syncOf(fake, { fullSyncEveryHours: 0, ...sync });
  return { fake, fixture };
}

const emailsOf = async (fixture: SyncFixture, template: string) =>
  (
    await harness.db.email.findMany({
      where: { organizationId: fixture.organizationId, template },
      orderBy: { to: "asc" },
      include: { directoryUser: { select: { externalId: true } } },
    })
  ).map((e) => ({ to: e.to, status: e.status, user: e.directoryUser?.externalId ?? null }));

async function errorsOf(syncRunId: string) {
  const items = await harness.db.syncRunItem.findMany({
    where: { syncRunId, kind: "ERROR" },
  });
  return items
    .map((i) => ({ externalId: i.externalId, userKey: i.userKey, reason: i.reason }))
    .sort((a, b) => String(a.externalId).localeCompare(String(b.externalId)));
}

const people: OrgUser[] = [
  { login: "ada@example.com", firstName: "Ada" },
  { login: "ben@example.com", firstName: "Ben" },
  { login: "cy@example.com", firstName: "Cy" },
  { login: "no.email", email: null, firstName: "Dee" },
];

describe("enrollment types", () => {
  it("Send Enrollment Email: new users with an email are INVITED and emailed once", async () => {
    const { fake, fixture } = await setup(orgData(people), {
      enrollmentType: "SEND_ENROLLMENT_EMAIL",
      uniqueField: "USERNAME",
    });
    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(first.run)).toEqual(
      expectedCounts({ usersProcessed: 4, usersCreated: 4, groupsCreated: 1, membershipsAdded: 4 }),
    );
    const id = (login: string) => oktaId(fake, login);
    const users = (await snapshot(harness.db, fixture.userSyncId)).users;
    expect(users.map((u) => [u.username, u.emailVerified, u.enrollmentStatus, u.invited])).toEqual(
      [
        ["ada@example.com", false, "INVITED", true],
        ["ben@example.com", false, "INVITED", true],
        ["cy@example.com", false, "INVITED", true],
        ["no.email", false, "NONE", false],
      ].sort((a, b) => id(String(a[0])).localeCompare(id(String(b[0])))),
    );
    const invitations = ["ada@example.com", "ben@example.com", "cy@example.com"].map((to) => ({
      to,
      status: "STORED",
      user: id(to),
    }));
    expect(await emailsOf(fixture, "enrollment-invitation")).toEqual(invitations);
    expect(
      await harness.db.enrollmentToken.count({
        where: { directoryUser: { userSyncId: fixture.userSyncId } },
      }),
    ).toBe(3);

    // The next run invites the new user only.
    const dan = fake.directory.createUser({ login: "dan@example.com", email: "dan@example.com" });
    const second = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(second.run)).toEqual(
      expectedCounts({ usersProcessed: 5, usersCreated: 1, usersUnchanged: 4, membershipsAdded: 1 }),
    );
    expect(await emailsOf(fixture, "enrollment-invitation")).toEqual(
      [...invitations, { to: "dan@example.com", status: "STORED", user: dan.id }].sort((a, b) =>
        a.to.localeCompare(b.to),
      ),
    );
    expect((await emailsOf(fixture, "sync-report")).map((e) => e.to)).toEqual([
      fixture.owner.email,
      fixture.owner.email,
    ]);
  });

  it("Trust Email: every synced user's email is verified, a new address too; no email is sent", async () => {
    const { fake, fixture } = await setup(orgData(people.slice(0, 3)), { enrollmentType: "TRUST_EMAIL" });
    await syncOnce(harness.db, harness.runner, fixture);
    fake.directory.updateUser(oktaId(fake, "ada@example.com"), { email: "ada.new@example.com" });
    const second = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(second.run)).toEqual(
      expectedCounts({ usersProcessed: 3, usersUpdated: 1, usersUnchanged: 2 }),
    );
    const users = (await snapshot(harness.db, fixture.userSyncId)).users;
    expect(users.map((u) => [u.email, u.emailVerified, u.enrollmentStatus])).toEqual([
      ["ada.new@example.com", true, "NONE"],
      ["ben@example.com", true, "NONE"],
      ["cy@example.com", true, "NONE"],
    ]);
    expect(await emailsOf(fixture, "enrollment-invitation")).toEqual([]);
  });

  it("Only Sync: no invitation and no verification", async () => {
    const { fixture } = await setup(orgData(people.slice(0, 3)), { enrollmentType: "ONLY_SYNC" });
    await syncOnce(harness.db, harness.runner, fixture);
    const users = (await snapshot(harness.db, fixture.userSyncId)).users;
    expect(users.map((u) => [u.emailVerified, u.enrollmentStatus, u.invited])).toEqual([
      [false, "NONE", false],
      [false, "NONE", false],
      [false, "NONE", false],
    ]);
    expect(await emailsOf(fixture, "enrollment-invitation")).toEqual([]);
  });
});

describe("unique fields", () => {
  const mixedCase: OrgUser[] = [
    { login: "alice.okta", email: "ALICE@example.com" },
    { login: "bob.okta", email: "bob@example.com" },
    { login: "carol.one", email: "Carol@Example.com" },
    { login: "carol.two", email: "carol@example.COM" },
  ];

  it("Email matches case-insensitively: adopts a user of the organization, refuses a duplicate", async () => {
    const { fake, fixture } = await setup(orgData(mixedCase), { uniqueField: "EMAIL" });
    const existing = await harness.db.directoryUser.create({
      data: {
        organizationId: fixture.organizationId,
        email: "Alice@Example.com",
        emailKey: "alice@example.com",
        status: "ACTIVE",
        name: "Alice",
      },
    });
    const { run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(run)).toEqual(
      expectedCounts({
        status: "PARTIAL",
        usersProcessed: 4,
        usersCreated: 2,
        usersUpdated: 1,
        usersFailed: 1,
        groupsCreated: 1,
        membershipsAdded: 3,
      }),
    );
    const adopted = await harness.db.directoryUser.findUniqueOrThrow({ where: { id: existing.id } });
    expect(adopted).toMatchObject({
      userSyncId: fixture.userSyncId,
      externalId: oktaId(fake, "alice.okta"),
      email: "ALICE@example.com",
      username: "alice.okta",
    });
    const adoption = await harness.db.syncRunItem.findFirstOrThrow({
      where: { syncRunId: run.id, kind: "UPDATED" },
    });
    expect([adoption.userKey, adoption.reason]).toEqual([
      "alice@example.com",
      "Adopted an existing user of the organization",
    ]);
    expect(await errorsOf(run.id)).toEqual([
      {
        externalId: oktaId(fake, "carol.two"),
        userKey: "carol@example.com",
        reason: `Another directory user (${oktaId(fake, "carol.one")}) has the same email`,
      },
    ]);
    expect(await harness.db.directoryUser.count({ where: { organizationId: fixture.organizationId } })).toBe(
      3,
    );
  });

  it("Username matches on the Okta login: the same email twice is two users", async () => {
    const { fixture } = await setup(orgData(mixedCase), { uniqueField: "USERNAME" });
    const { run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 4, usersCreated: 4, groupsCreated: 1, membershipsAdded: 4 }),
    );
    const users = (await snapshot(harness.db, fixture.userSyncId)).users;
    expect(users.map((u) => [u.username, u.email])).toEqual(mixedCase.map((u) => [u.login, u.email]));
  });
});

describe("users a sync cannot import", () => {
  it("records each as an ERROR item, imports the rest and ends PARTIAL, run after run", async () => {
    const { fake, fixture } = await setup(
      orgData([
        { login: "ok.one@example.com" },
        { login: "no.email", email: null },
        { login: "dup.one", email: "dup@example.com" },
        { login: "dup.two", email: "DUP@example.com" },
        { login: "shared@example.com" },
        { login: "bad", email: "not-an-email" },
        { login: "long@example.com", firstName: "x".repeat(256) },
        { login: "ok.two@example.com" },
      ]),
    );
    // Another sync of the organization imported shared@example.com first.
    const other = await fakeOrg(orgData([{ login: "shared@example.com" }]));
    const otherSync = await addUserSync(harness.db, fixture.owner, { ...harness.connect(other), name: "HR" });
    const otherRun = await syncOnce(harness.db, harness.runner, { ...fixture, userSyncId: otherSync });
    expect(otherRun.run.usersCreated).toBe(1);
    const otherBefore = await updatedAts(harness.db, otherSync);

    const id = (login: string) => oktaId(fake, login);
    const errors = [
      { externalId: id("bad"), userKey: "not-an-email", reason: "The email is not a valid address" },
      {
        externalId: id("dup.two"),
        userKey: "dup@example.com",
        reason: `Another directory user (${id("dup.one")}) has the same email`,
      },
      {
        externalId: id("long@example.com"),
        userKey: "long@example.com",
        reason: "The firstName is longer than 255 characters",
      },
      { externalId: id("no.email"), userKey: null, reason: "No email, the sync's unique field" },
      {
        externalId: id("shared@example.com"),
        userKey: "shared@example.com",
        reason: "The email is already owned by another source",
      },
    ];
    for (const attempt of [1, 2]) {
      const { run } = await syncOnce(harness.db, harness.runner, fixture);
      expect(countsOf(run)).toEqual(
        expectedCounts({
          status: "PARTIAL",
          usersProcessed: 8,
          usersCreated: attempt === 1 ? 3 : 0,
          usersUnchanged: attempt === 1 ? 0 : 3,
          usersFailed: 5,
          groupsCreated: attempt === 1 ? 1 : 0,
          // Everyone lists all 8; only the imported 3 are members.
          membershipsAdded: attempt === 1 ? 3 : 0,
        }),
      );
      expect(await errorsOf(run.id)).toEqual(errors.sort((a, b) => a.externalId.localeCompare(b.externalId)));
      const report = await harness.db.email.findFirstOrThrow({
        where: { syncRunId: run.id, template: "sync-report" },
      });
      expect([report.to, report.subject]).toEqual([
        fixture.owner.email,
        `Okta Workspace sync report: Partial — ${attempt === 1 ? 3 : 0} created, 0 updated, 5 failed`,
      ]);
      expect(report.text).toContain("The email is not a valid address");
    }
    const users = (await snapshot(harness.db, fixture.userSyncId)).users;
    expect(users.map((u) => u.username)).toEqual(["ok.one@example.com", "dup.one", "ok.two@example.com"]);
    // The other sync's user is untouched.
    expect(await updatedAts(harness.db, otherSync)).toEqual(otherBefore);
    expect((await snapshot(harness.db, otherSync)).users.map((u) => u.email)).toEqual(["shared@example.com"]);
  });
});
