import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import type { Db, SyncRun, SyncTrigger } from "@/lib/db";
import { NO_CHANGES, pickRun, RUN_COUNTERS } from "@/lib/sync/testing/fixtures";
import { type DirectoryJson, type FakeOkta, type FakeOktaOptions, startFakeOkta } from "@/scripts/fake-okta";
import { type Runner, startRunner } from "@/scripts/inngest-runner";
import { finishedRun, getJson, syncApp, waitFor } from "@/scripts/inngest-runner/testing/harness";
import { serveRoutes } from "@/scripts/inngest-runner/testing/http";
import type { Run } from "@/scripts/inngest-runner/types";
import { createTestDb, type TestDb } from "./db";
import { serviceAppSuites, type TestServiceApp, testServiceApp } from "./service-app";
import { createSyncFixture, type SyncFixture, type SyncFixtureOptions } from "./sync-run";

/**
 * End-to-end syncs in a test: the local runner drives the app's real `/api/inngest` route
 * (served in-process; the test file mocks `getDb` to its test database), whose steps call the
 * engine, which reads a fake Okta over HTTP and writes to the database. Test files import the
 * Inngest client (and what imports it) only after `startSyncHarness`, which sets INNGEST_DEV.
 */

export const RUN_FUNCTION = "okta-workspace-user-sync-user-sync/run";
/** The function that handles a run's end outside its steps: its failure, or its cancel in Inngest. */
const END_HANDLERS: Partial<Record<Run["status"], string>> = {
  Failed: `${RUN_FUNCTION}-failure`,
  Cancelled: `${RUN_FUNCTION}-cancelled`,
};
export const TEST_ENCRYPTION_KEYS = `test:${Buffer.alloc(32, 7).toString("base64")}`;
/** A whole run, retries and rate-limit waits included, on a machine shared with other tests. */
export const RUN_TIMEOUT_MS = 120_000;

/** The environment the app needs for a fake Okta and the runner (before the route is imported). */
export function stubSyncEnv(): void {
  vi.stubEnv("OKTA_ALLOW_INSECURE_LOCALHOST", "1");
  vi.stubEnv("TOKEN_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS);
  vi.stubEnv("RESEND_API_KEY", "");
}

export interface SyncHarness {
  runner: Runner;
  /** Where the runner stores its runs (`runs/<id>.json`: events, step outputs and errors). */
  dataDir: string;
  /** The served `/api/inngest` URL. */
  serveUrl: string;
  close(): Promise<void>;
}

/** Starts the runner, serves the real route against it and syncs the app. */
export async function startSyncHarness(): Promise<SyncHarness> {
  stubSyncEnv();
  const dir = mkdtempSync(path.join(tmpdir(), "user-sync-e2e-"));
  const runner = await startRunner({
    port: 0,
    dataDir: dir,
    backoff: "fast",
    unreachableRetryMs: 100,
    log: () => {},
  });
  vi.stubEnv("INNGEST_DEV", runner.url);
  const route = await import("@/app/api/inngest/route");
  let server: Server | undefined;
  try {
    const served = await serveRoutes({ "/api/inngest": route });
    server = served.server;
    const serveUrl = `${served.origin}/api/inngest`;
    await syncApp(serveUrl);
    return {
      runner,
      dataDir: dir,
      serveUrl,
      close: async () => {
        await runner.close();
        server?.close();
        vi.unstubAllEnvs();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await runner.close();
    server?.close();
    throw error;
  }
}

/** What a test file of end-to-end syncs uses: its database, the runner, and fake Oktas. */
export interface SyncTestHarness {
  /** The file's test database (the file mocks `getDb` to return it). */
  readonly db: Db;
  readonly runner: Runner;
  /** The runner's data directory. */
  readonly dataDir: string;
  /** Starts a fake Okta, closed after the test. */
  startFakeOkta(options: FakeOktaOptions): Promise<FakeOkta>;
  /** A sync (and its organization) of this fake Okta. */
  syncOf(fake: FakeOkta, options?: Partial<SyncFixtureOptions>): Promise<SyncFixture>;
  /** How a sync connects to this fake Okta: its domain, and its token or the suite's service app. */
  connect(fake: FakeOkta): Pick<SyncFixtureOptions, "domain" | "token" | "serviceApp">;
}

/**
 * Registers the hooks of a test file of end-to-end syncs: a test database and the harness for the
 * file (`beforeAll`/`afterAll`), the fake Oktas of each test closed after it (`afterEach`). Its
 * `db` and `runner` are there once `beforeAll` has run. The file still mocks `@/lib/db`
 * (`vi.mock` is hoisted per file): `getDb: () => harness.db`.
 */
export function withSyncHarness(): SyncTestHarness {
  let t: TestDb | undefined;
  let h: SyncHarness | undefined;
  const fakes: FakeOkta[] = [];
  const apps = new WeakMap<FakeOkta, TestServiceApp>();
  beforeAll(async () => {
    t = await createTestDb();
    h = await startSyncHarness();
  });
  afterEach(async () => {
    const closing = fakes.splice(0);
    await Promise.all(closing.map((f) => f.close()));
    // A service-app suite that read the API did so with the app's access tokens, not an API token.
    for (const fake of closing) {
      const read = fake.requests.some((r) => r.path.startsWith("/api/v1/"));
      if (apps.has(fake) && read && fake.accessTokensIssued === 0) {
        throw new Error("A service-app suite read Okta without a service app's access token");
      }
    }
  });
  afterAll(async () => {
    await h?.close();
    await t?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("withSyncHarness: used before its beforeAll");
    return value;
  };
  return {
    get db() {
      return started(t).db;
    },
    get runner() {
      return started(h).runner;
    },
    get dataDir() {
      return started(h).dataDir;
    },
    async startFakeOkta(options) {
      const app = serviceAppSuites ? testServiceApp() : null;
      const fake = await startFakeOkta({ ...options, ...(app && { serviceApps: [app.fake] }) });
      if (app) apps.set(fake, app);
      fakes.push(fake);
      return fake;
    },
    syncOf(fake, options = {}) {
      return createSyncFixture(started(t).db, { ...this.connect(fake), ...options });
    },
    connect(fake) {
      const app = apps.get(fake);
      const serviceApp = app && { clientId: app.clientId, privateKey: app.privateKey, dpop: true };
      return { domain: fake.url, token: fake.token, ...(serviceApp && { serviceApp }) };
    },
  };
}

/** The runner's run of a SyncRun's requested event (not a replay). */
export function inngestRunOf(runner: Runner, syncRunId: string): Promise<Run> {
  return waitFor(async () =>
    (await getJson<Run[]>(`${runner.url}/runs`)).find(
      (r) => r.functionId === RUN_FUNCTION && !r.replayOf && r.event.data.syncRunId === syncRunId,
    ),
  );
}

/** The sync's latest run. */
export function latestRun(db: Db, userSyncId: string): Promise<SyncRun> {
  return db.syncRun.findFirstOrThrow({
    where: { userSyncId },
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
  });
}

/** `SYNC DATA`: requests a run as the server action does; returns the SyncRun and its Inngest run id. */
export async function startSync(
  db: Db,
  runner: Runner,
  fixture: SyncFixture,
  trigger: SyncTrigger = "MANUAL",
  /** Full resync (MANUAL): list everything even when a delta run would do. */
  { forceFull = false } = {},
): Promise<{ syncRunId: string; inngestRunId: string }> {
  // Imported late: the Inngest client reads INNGEST_DEV when it is created.
  const { requestSyncRun } = await import("@/inngest/dispatch");
  const outcome = await requestSyncRun(db, {
    organizationId: fixture.organizationId,
    userSyncId: fixture.userSyncId,
    trigger,
    startedById: fixture.startedById,
    forceFull,
  });
  if (outcome !== "started") throw new Error(`requestSyncRun: ${outcome}`);
  const run = await latestRun(db, fixture.userSyncId);
  return { syncRunId: run.id, inngestRunId: (await inngestRunOf(runner, run.id)).id };
}

/** Waits for the Inngest run to end; returns it and the SyncRun row as it then stands. */
export async function finishSync(
  db: Db,
  runner: Runner,
  started: { syncRunId: string; inngestRunId: string },
) {
  const inngest = await finishedRun(runner.url, started.inngestRunId, RUN_TIMEOUT_MS);
  const handlerFunction = END_HANDLERS[inngest.status];
  if (handlerFunction) {
    // Its failure or cancel handler (a run of its own) ends the SyncRun and sends the report.
    const handler = await waitFor(async () =>
      (await getJson<Run[]>(`${runner.url}/runs`)).find(
        (r) => r.functionId === handlerFunction && r.event.data.run_id === inngest.id,
      ),
    );
    const handled = await finishedRun(runner.url, handler.id, RUN_TIMEOUT_MS);
    if (handled.status !== "Completed") throw new Error(`${handlerFunction} ended ${handled.status}`);
  }
  return { inngest, run: await db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } }) };
}

/** A whole manual run: requested, run to its end. */
/** One run to its end. MANUAL (SYNC DATA) runs are full; SCHEDULED ones incremental between full runs. */
export async function syncOnce(
  db: Db,
  runner: Runner,
  fixture: SyncFixture,
  trigger: SyncTrigger = "MANUAL",
  { forceFull = false } = {},
) {
  return finishSync(db, runner, await startSync(db, runner, fixture, trigger, { forceFull }));
}

/** The counters of a run, with its outcome, for exact comparisons. */
export const countsOf = (run: SyncRun) =>
  pickRun(run, ["status", "mode", "trigger", "phase", "usersProcessed", ...RUN_COUNTERS]);

/** Zero counts with these overrides: what a run's counters should be. */
export function expectedCounts(overrides: Partial<ReturnType<typeof countsOf>>): ReturnType<typeof countsOf> {
  return {
    status: "SUCCEEDED",
    mode: "FULL",
    trigger: "MANUAL",
    phase: "DONE",
    usersProcessed: 0,
    ...NO_CHANGES,
    ...overrides,
  };
}

/** The sync's users, groups and memberships as comparable values (external ids, sorted). */
export async function snapshot(db: Db, userSyncId: string) {
  const users = await db.directoryUser.findMany({ where: { userSyncId }, orderBy: { externalId: "asc" } });
  const groups = await db.userGroup.findMany({
    where: { userSyncId },
    orderBy: { externalId: "asc" },
    include: { memberships: { include: { user: { select: { externalId: true } } } } },
  });
  return {
    users: users.map((u) => ({
      externalId: u.externalId,
      email: u.email,
      username: u.username,
      firstName: u.firstName,
      lastName: u.lastName,
      status: u.status,
      emailVerified: u.emailVerified,
      enrollmentStatus: u.enrollmentStatus,
      invited: u.invitedAt !== null,
    })),
    groups: groups.map((g) => ({
      externalId: g.externalId,
      name: g.name,
      description: g.description,
      type: g.type,
      memberCount: g.memberCount,
      members: g.memberships.map((m) => m.user.externalId).sort(),
    })),
  };
}

/** Rows' `updatedAt` by id: a run that changes nothing leaves them as they were. */
export async function updatedAts(db: Db, userSyncId: string) {
  const users = await db.directoryUser.findMany({
    where: { userSyncId },
    select: { id: true, updatedAt: true },
  });
  const groups = await db.userGroup.findMany({
    where: { userSyncId },
    select: { id: true, updatedAt: true },
  });
  return Object.fromEntries([...users, ...groups].map((r) => [r.id, r.updatedAt.toISOString()]));
}

export interface OrgUser {
  login: string;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  status?: string;
}

/**
 * A small org for the fake: `users` people `user<i>@example.com` (login = email), and groups
 * whose members are user indexes. The built-in Everyone group is added by the fake.
 */
export function orgData(
  users: number | OrgUser[],
  groups: { name: string; description?: string | null; members: number[] }[] = [],
): DirectoryJson {
  const people: OrgUser[] =
    typeof users === "number"
      ? Array.from({ length: users }, (_, i) => ({
          login: `user${String(i).padStart(3, "0")}@example.com`,
          firstName: `First${i}`,
          lastName: `Last${i}`,
        }))
      : users;
  return {
    users: people.map((u) => ({
      status: u.status ?? "ACTIVE",
      profile: {
        login: u.login,
        email: u.email === undefined ? u.login : u.email,
        firstName: u.firstName ?? null,
        lastName: u.lastName ?? null,
      },
    })),
    groups: groups.map((g) => ({
      name: g.name,
      description: g.description ?? null,
      members: g.members.map((i) => {
        const person = people[i];
        if (!person) throw new Error(`No user ${i}`);
        return person.login;
      }),
    })),
  };
}

/** The fake's id of the user with this login. */
export function oktaId(fake: FakeOkta, login: string): string {
  const user = fake.directory.users.find((u) => u.profile.login === login);
  if (!user) throw new Error(`No Okta user ${login}`);
  return user.id;
}

export function oktaGroupId(fake: FakeOkta, name: string): string {
  const group = fake.directory.groups.find((g) => g.name === name);
  if (!group) throw new Error(`No Okta group ${name}`);
  return group.id;
}
