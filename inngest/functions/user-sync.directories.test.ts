import { afterEach, describe, expect, it, vi } from "vitest";
import { pemBlock, TEST_CERTIFICATE } from "@/lib/entra/testing";
import { createEntraSync, createGoogleSync } from "@/lib/user-sync/directories";
import { entraSyncInput, googleSyncInput } from "@/lib/user-sync/form";
import { type FakeEntra, startFakeEntra } from "@/scripts/fake-entra";
import { type FakeGoogle, startFakeGoogle } from "@/scripts/fake-google";
import { waitFor } from "@/scripts/inngest-runner/testing/harness";
import {
  countsOf,
  expectedCounts,
  finishSync,
  RUN_TIMEOUT_MS,
  snapshot,
  startSync,
  syncOnce,
  withSyncHarness,
} from "@/test-support/sync-e2e";
import { createOrganizationWithMembers, type SyncFixture } from "@/test-support/sync-run";

// Real syncs of Microsoft Entra ID and Google Workspace end to end, as Okta's suites do them:
// SYNC DATA → event → local runner → the app's /api/inngest route → the engine → the provider's
// client over HTTP → its fake → the test database. The same cases for both directories: a first
// sync (with a duplicate unique value), changes and deletions after the next one, the safeguard,
// the directory failing and throttling, and a credential taken away.
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => harness.db,
}));

const harness = withSyncHarness();

interface Person {
  login: string;
  email: string | null;
  first: string;
  last: string;
}

/** One directory's fake, driven the same way for both providers. */
interface Directory {
  label: string;
  /** Users the directory holds before the test adds any (Google: the admin the sync acts as). */
  own: number;
  close(): Promise<void>;
  /** Creates the sync of an organization through the provider's form input. */
  connect(): Promise<SyncFixture>;
  addUser(person: Person): string;
  renameUser(id: string, first: string): void;
  deleteUser(id: string): void;
  suspendUser(id: string): void;
  addGroup(name: string, members: string[]): string;
  removeMember(groupId: string, userId: string): void;
  /** The listings fail with 5xx twice and are throttled once. */
  misbehave(): void;
  /** Requests the fake refused (throttled or failed), as its request log says. */
  refused(): number;
  /** The credential stops working, as when an admin revokes it. */
  revoke(): void;
  /** What the run's error says then. */
  revokedError: RegExp;
}

const SETTINGS = { enrollmentType: "ONLY_SYNC", uniqueField: "EMAIL" } as const;

/** An Entra ID tenant, its app signing in with a client secret or a certificate. */
async function entra(auth: "secret" | "certificate" = "secret"): Promise<Directory & { fake: FakeEntra }> {
  const fake: FakeEntra = await startFakeEntra({ users: 0, groups: 0 });
  vi.stubEnv("ENTRA_DEV_URL", fake.url);
  const app = fake.app;
  if (auth === "certificate") fake.addCertificate(app.clientId, pemBlock(TEST_CERTIFICATE, "CERTIFICATE"));
  return {
    label: "Microsoft Entra ID",
    fake,
    own: 0,
    close: () => fake.close(),
    async connect() {
      const org = await createOrganizationWithMembers(harness.db);
      const input = entraSyncInput.parse({
        name: "Entra",
        tenantId: fake.tenantId,
        clientId: app.clientId,
        ...(auth === "certificate"
          ? { authMethod: "CERTIFICATE", certificate: TEST_CERTIFICATE }
          : { clientSecret: app.secrets[0]?.value }),
        ...SETTINGS,
      });
      const created = await createEntraSync(harness.db, org.owner, input);
      if (!created.ok) throw new Error(JSON.stringify(created));
      return { ...org, userSyncId: created.id };
    },
    addUser: (p) =>
      fake.directory.createUser({
        userPrincipalName: p.login,
        mail: p.email,
        givenName: p.first,
        surname: p.last,
      }).id,
    renameUser: (id, first) => fake.directory.updateUser(id, { givenName: first }),
    deleteUser: (id) => fake.directory.deleteUser(id),
    suspendUser: (id) => fake.directory.updateUser(id, { accountEnabled: false }),
    addGroup: (name, members) => {
      const group = fake.directory.createGroup({ displayName: name });
      for (const member of members) fake.directory.addMember(group.id, member);
      return group.id;
    },
    removeMember: (groupId, userId) => fake.directory.removeMember(groupId, userId),
    misbehave: () => {
      fake.injectFault({ fault: { kind: "status", status: 503 }, path: "/v1.0/users", times: 2 });
      fake.injectFault({
        fault: { kind: "status", status: 429, retryAfter: 1 },
        path: "/v1.0/users",
        skip: 0,
        times: 1,
      });
    },
    revoke: () => {
      fake.updateApp(app.clientId, auth === "certificate" ? { certificates: [] } : { secrets: [] });
      fake.revokeAccessTokens();
    },
    refused: () => fake.requests.filter((r) => (r.status ?? 0) >= 429).length,
    revokedError: auth === "certificate" ? /certificate/i : /client secret/i,
  };
}

async function google(): Promise<Directory> {
  const fake: FakeGoogle = await startFakeGoogle({ users: 0, groups: 0 });
  vi.stubEnv("GOOGLE_DEV_URL", fake.url);
  const clientId = (JSON.parse(fake.demoKey) as { client_id: string }).client_id;
  return {
    label: "Google Workspace",
    own: 1,
    close: () => fake.close(),
    async connect() {
      const org = await createOrganizationWithMembers(harness.db);
      const input = googleSyncInput.parse({
        name: "Google",
        serviceAccountKey: fake.demoKey,
        adminEmail: fake.adminEmail,
        customerId: "",
        ...SETTINGS,
      });
      const created = await createGoogleSync(harness.db, org.owner, input);
      if (!created.ok) throw new Error(JSON.stringify(created));
      return { ...org, userSyncId: created.id };
    },
    // Google's primary email is the sign-in name and the address: a null email is a login alone.
    addUser: (p) =>
      fake.directory.createUser({ primaryEmail: p.email ?? p.login, givenName: p.first, familyName: p.last })
        .id,
    renameUser: (id, first) => fake.directory.updateUser(id, { givenName: first }),
    deleteUser: (id) => fake.directory.deleteUser(id),
    suspendUser: (id) => fake.directory.updateUser(id, { suspended: true }),
    addGroup: (name, members) => {
      const group = fake.directory.createGroup(`${name.toLowerCase()}@example.com`, name);
      for (const member of members) fake.directory.addMember(group.id, member);
      return group.id;
    },
    removeMember: (groupId, userId) => fake.directory.removeMember(groupId, userId),
    misbehave: () => {
      fake.injectFault({
        fault: { kind: "status", status: 503 },
        path: "/admin/directory/v1/users",
        times: 2,
      });
      // Over quota, as the Directory API may answer it: backed off and retried.
      fake.injectFault({
        fault: { kind: "status", status: 429 },
        path: "/admin/directory/v1/groups",
        times: 1,
      });
    },
    revoke: () => {
      fake.oauth.revokeDelegation(clientId);
      fake.oauth.revokeAccessTokens();
    },
    refused: () => fake.requests.filter((r) => (r.status ?? 0) >= 429).length,
    revokedError: /delegation/i,
  };
}

const people = (n: number): Person[] =>
  Array.from({ length: n }, (_, i) => ({
    login: `person${i}@example.com`,
    email: `person${i}@example.com`,
    first: `First${i}`,
    last: `Last${i}`,
  }));

let open: Directory | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
  vi.unstubAllEnvs();
});

describe.each([
  ["Microsoft Entra ID", () => entra("secret")],
  ["Microsoft Entra ID with a certificate", () => entra("certificate")],
  ["Google Workspace", google],
])("a %s sync through the runner, the route and its fake", (_, start) => {
  it("imports users, groups and memberships, then shows updates, suspensions and deletions after the next sync", {
    timeout: 120_000,
  }, async () => {
    const dir = await start();
    open = dir;
    // Twenty users, all in Ops: the changes below remove 1 user in 20 and 3 memberships in 22,
    // under the safeguard's 20%.
    const ids = people(20).map((p) => dir.addUser(p));
    const [a, b, c, d] = ids as [string, string, string, string];
    const ops = dir.addGroup("Ops", ids);
    dir.addGroup("Sales", [c, d]);
    const fixture = await dir.connect();

    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(first.inngest.status).toBe("Completed");
    expect(countsOf(first.run)).toEqual(
      expectedCounts({
        usersProcessed: 20 + dir.own,
        usersCreated: 20 + dir.own,
        groupsCreated: 2,
        membershipsAdded: 22,
      }),
    );
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: first.run.id } });
    expect(report.subject).toContain(dir.label);

    dir.renameUser(a, "Renamed");
    dir.suspendUser(b);
    dir.deleteUser(d);
    dir.removeMember(ops, c);
    const second = await syncOnce(harness.db, harness.runner, fixture);
    expect(second.run.status).toBe("SUCCEEDED");
    expect(second.run).toMatchObject({ usersUpdated: 2, usersDeleted: 1, membershipsRemoved: 3 });
    const store = await snapshot(harness.db, fixture.userSyncId);
    expect(store.users.map((u) => u.externalId)).not.toContain(d);
    expect(store.users.find((u) => u.externalId === a)?.firstName).toBe("Renamed");
    expect(store.users.find((u) => u.externalId === b)?.status).toBe("SUSPENDED");
  });

  it("refuses a user whose email another sync of the organization holds, as an ERROR item, and imports the rest (PARTIAL)", async () => {
    const dir = await start();
    open = dir;
    for (const p of people(3)) dir.addUser(p);
    const fixture = await dir.connect();
    // Another directory of the organization imported person1@example.com first.
    const other = await harness.db.userSync.create({
      data: {
        organizationId: fixture.organizationId,
        name: "HR Okta",
        domain: "https://hr.okta.com",
        credentialCiphertext: "v2.none",
        credentialHint: "none",
        enrollmentType: "ONLY_SYNC",
        uniqueField: "EMAIL",
      },
    });
    await harness.db.directoryUser.create({
      data: {
        organizationId: fixture.organizationId,
        userSyncId: other.id,
        externalId: "00uHR",
        email: "Person1@example.com",
        emailKey: "person1@example.com",
        status: "ACTIVE",
      },
    });
    const { run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(run.status).toBe("PARTIAL");
    expect(run).toMatchObject({ usersCreated: 2 + dir.own, usersFailed: 1 });
    const [error] = await harness.db.syncRunItem.findMany({ where: { syncRunId: run.id, kind: "ERROR" } });
    expect(error?.userKey).toBe("person1@example.com");
  });

  it("holds a run that would remove most users at the safeguard, and Reject removes no one", async () => {
    const dir = await start();
    open = dir;
    const ids = people(10).map((p) => dir.addUser(p));
    const fixture = await dir.connect();
    await syncOnce(harness.db, harness.runner, fixture);
    const before = await snapshot(harness.db, fixture.userSyncId);
    for (const id of ids.slice(0, 6)) dir.deleteUser(id);
    const started = await startSync(harness.db, harness.runner, fixture);
    const status = async () =>
      (await harness.db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } })).status;
    await waitFor(async () => (await status()) === "BLOCKED", RUN_TIMEOUT_MS);
    const blocked = await harness.db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } });
    expect(blocked.pendingRemovals).toBe(6);
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);
    const dispatch = await import("@/inngest/dispatch");
    expect(await dispatch.decideSyncRun(harness.db, fixture.owner, started.syncRunId, "reject")).toBe(true);
    const { run } = await finishSync(harness.db, harness.runner, started);
    expect(run.usersDeleted).toBe(0);
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);
  });

  it("retries the directory's failures and waits out its throttling, then completes with exact counts", {
    timeout: 90_000,
  }, async () => {
    const dir = await start();
    open = dir;
    for (const p of people(12)) dir.addUser(p);
    const fixture = await dir.connect();
    dir.misbehave();
    const { run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(run.status).toBe("SUCCEEDED");
    expect(run.usersCreated).toBe(12 + dir.own);
    expect(dir.refused()).toBe(3);
  });

  it("fails at once when its credential is taken away, saying what to fix, and removes no one", async () => {
    const dir = await start();
    open = dir;
    for (const p of people(4)) dir.addUser(p);
    const fixture = await dir.connect();
    await syncOnce(harness.db, harness.runner, fixture);
    const before = await snapshot(harness.db, fixture.userSyncId);
    dir.revoke();
    const { inngest, run } = await syncOnce(harness.db, harness.runner, fixture);
    expect(inngest.status).toBe("Failed");
    expect(run.status).toBe("FAILED");
    expect(run.error).toMatch(dir.revokedError);
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(before);
  });
});

describe("a Microsoft Entra ID sync after the first reads only what changed (Graph's delta queries)", () => {
  /** The fake's Graph requests since `from`, as `path` or `path?query`. */
  const graphRequests = (fake: FakeEntra, from: number) =>
    fake.requests.slice(from).flatMap((r) => (r.path.startsWith("/v1.0/") ? [r.path] : []));

  it("applies creations, updates, deletions, nested memberships and renames from the delta links, then reads two empty rounds when nothing changed", {
    timeout: 120_000,
  }, async () => {
    const dir = await entra();
    open = dir;
    const fake = dir.fake;
    const ids = people(30).map((p) => dir.addUser(p));
    const [a, c, d, e] = ids as [string, string, string, string];
    const ops = dir.addGroup("Ops", ids);
    const sales = dir.addGroup("Sales", [c, d]);
    // Managers holds Leads: Leads' users are Managers' users too (flattened).
    const leads = dir.addGroup("Leads", [e]);
    const managers = dir.addGroup("Managers", []);
    fake.directory.addMember(managers, leads);
    const quiet = dir.addGroup("Quiet", ids.slice(10, 20));
    const fixture = await dir.connect();
    const first = await syncOnce(harness.db, harness.runner, fixture);
    expect(first.run).toMatchObject({
      mode: "FULL",
      status: "SUCCEEDED",
      membershipsAdded: 30 + 2 + 1 + 1 + 10,
    });
    const sync = await harness.db.userSync.findUniqueOrThrow({ where: { id: fixture.userSyncId } });
    expect(sync.feedPositions).toMatchObject({
      users: expect.stringContaining("/v1.0/users/delta?$deltatoken="),
      groups: expect.stringContaining("/v1.0/groups/delta?$deltatoken="),
    });

    dir.renameUser(a, "Renamed");
    dir.deleteUser(d);
    const f = dir.addUser({ login: "new@example.com", email: "new@example.com", first: "New", last: "Hire" });
    fake.directory.addMember(leads, f);
    dir.removeMember(ops, c);
    fake.directory.deleteGroup(sales);
    fake.directory.updateGroup(ops, { displayName: "Operations" });
    const from = fake.requests.length;
    const second = await syncOnce(harness.db, harness.runner, fixture);
    expect(second.run).toMatchObject({
      mode: "INCREMENTAL",
      fallback: null,
      status: "SUCCEEDED",
      usersCreated: 1,
      usersUpdated: 1,
      usersDeleted: 1,
      groupsDeleted: 1,
      groupsUpdated: 1,
    });
    const report = await harness.db.email.findFirstOrThrow({ where: { syncRunId: second.run.id } });
    expect(report.text).toMatch(/How Microsoft Entra ID was read\s*Delta \(Graph delta query\)/);
    // 3 users (a, d removed, f) and 4 groups (Ops, Leads, Managers, Sales removed).
    expect(report.text).toMatch(/Changes read from Graph\s*7/);
    const read = graphRequests(fake, from);
    // No full listing; members read again only for the groups whose users changed: Ops (c
    // removed, d deleted, renamed), Leads (f added) and Managers, which holds Leads.
    expect(read.filter((path) => path === "/v1.0/users" || path === "/v1.0/groups")).toEqual([]);
    const membersRead = new Set(read.filter((path) => path.includes("/transitiveMembers/")));
    expect([...membersRead].sort()).toEqual(
      [ops, leads, managers].map((g) => `/v1.0/groups/${g}/transitiveMembers/microsoft.graph.user`).sort(),
    );
    const store = await snapshot(harness.db, fixture.userSyncId);
    const users = new Map(store.users.map((u) => [u.externalId, u]));
    expect(users.has(d)).toBe(false);
    expect(users.get(a)?.firstName).toBe("Renamed");
    const groups = await harness.db.userGroup.findMany({
      where: { userSyncId: fixture.userSyncId },
      select: {
        externalId: true,
        name: true,
        memberships: { select: { user: { select: { externalId: true } } } },
      },
    });
    const membersOf = (id: string) =>
      groups
        .find((g) => g.externalId === id)
        ?.memberships.map((m) => m.user.externalId)
        .sort();
    expect(groups.map((g) => g.name).sort()).toEqual(["Leads", "Managers", "Operations", "Quiet"]);
    expect(membersOf(leads)).toEqual([e, f].sort());
    expect(membersOf(managers)).toEqual([e, f].sort());
    expect(membersOf(ops)).toEqual(ids.filter((id) => id !== c && id !== d).sort());
    expect(membersOf(quiet)).toEqual(ids.slice(10, 20).sort());

    // Nothing changed: one request a listing, nothing written.
    const again = fake.requests.length;
    const third = await syncOnce(harness.db, harness.runner, fixture);
    expect(third.run).toMatchObject({ mode: "INCREMENTAL", fallback: null, status: "SUCCEEDED" });
    expect(graphRequests(fake, again).map((path) => path.replace(/\?.*/, ""))).toEqual([
      "/v1.0/users/delta",
      "/v1.0/groups/delta",
    ]);
    expect(third.run).toMatchObject({
      usersCreated: 0,
      usersUpdated: 0,
      usersDeleted: 0,
      membershipsAdded: 0,
    });
    expect(await snapshot(harness.db, fixture.userSyncId)).toEqual(store);
  });

  it.each([
    [
      "expired (older than Graph's seven days)",
      (fake: FakeEntra) => fake.advanceClock(8 * 86_400_000),
      /7 days/,
    ],
    [
      "reset by Graph (410, resyncRequired)",
      (fake: FakeEntra) => fake.forgetDeltaState(),
      /full synchronization/,
    ],
  ])(
    "lists everything again when its delta links are %s, and picks up what changed",
    async (_, lose, why) => {
      const dir = await entra();
      open = dir;
      const ids = people(5).map((p) => dir.addUser(p));
      const fixture = await dir.connect();
      await syncOnce(harness.db, harness.runner, fixture);
      dir.deleteUser(ids[0] as string);
      dir.renameUser(ids[1] as string, "Renamed");
      lose(dir.fake);
      const { run } = await syncOnce(harness.db, harness.runner, fixture);
      expect(run).toMatchObject({ mode: "FULL", status: "SUCCEEDED", usersDeleted: 1, usersUpdated: 1 });
      expect(run.fallback).toMatch(why);
      // The full run took new positions: the next run reads changes again.
      const next = await syncOnce(harness.db, harness.runner, fixture);
      expect(next.run).toMatchObject({ mode: "INCREMENTAL", fallback: null, status: "SUCCEEDED" });
    },
  );
});
