import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { type Runner, startRunner } from "@/scripts/inngest-runner";
import {
  type ChildService,
  freePort,
  startSyncAppProcess,
  syncApp,
  waitFor,
} from "@/scripts/inngest-runner/testing/harness";
import { createPostgresTestDb, type TestDb } from "@/test-support/db";
import { serviceAppSuites, testServiceApp } from "@/test-support/service-app";
import {
  countsOf,
  expectedCounts,
  finishSync,
  orgData,
  RUN_TIMEOUT_MS,
  startSync,
  stubSyncEnv,
  TEST_ENCRYPTION_KEYS,
} from "@/test-support/sync-e2e";
import { createSyncFixture } from "@/test-support/sync-run";

// The app process (the real /api/inngest route on PostgreSQL) is killed with SIGKILL in the middle
// of a users step and started again: the run goes on from its last committed step, exactly once.
let t: TestDb;
let runner: Runner;
let fake: FakeOkta;
let app: ChildService | undefined;
/** In the service-app project, the sync connects with an OAuth service app (`test-support/service-app.ts`). */
const oauthApp = serviceAppSuites ? testServiceApp() : null;
const dir = mkdtempSync(path.join(tmpdir(), "user-sync-crash-"));

beforeAll(async () => {
  stubSyncEnv();
  t = await createPostgresTestDb();
  runner = await startRunner({
    port: 0,
    dataDir: dir,
    backoff: "fast",
    unreachableRetryMs: 100,
    log: () => {},
  });
  vi.stubEnv("INNGEST_DEV", runner.url);
  fake = await startFakeOkta({
    data: orgData(200, [{ name: "Ops", members: [0, 50, 100, 150, 199] }]),
    maxPageSize: { users: 5, members: 50 },
    ...(oauthApp && { serviceApps: [oauthApp.fake] }),
  });
});
afterAll(async () => {
  await app?.kill("SIGKILL");
  await runner?.close();
  await fake?.close();
  await t?.close();
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const startApp = (port: number) =>
  startSyncAppProcess(
    {
      DATABASE_URL: t.url,
      INNGEST_DEV: runner.url,
      OKTA_ALLOW_INSECURE_LOCALHOST: "1",
      TOKEN_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      RESEND_API_KEY: "",
    },
    port,
  );

describe("an app process killed mid-run", () => {
  it("completes the run after a restart, with exact counts and no duplicates", {
    timeout: 180_000,
  }, async () => {
    const port = await freePort();
    app = await startApp(port);
    await syncApp(`${app.url}/api/inngest`);
    const serviceApp = oauthApp && {
      clientId: oauthApp.clientId,
      privateKey: oauthApp.privateKey,
      dpop: true,
    };
    const fixture = await createSyncFixture(t.db, {
      domain: fake.url,
      token: fake.token,
      ...(serviceApp && { serviceApp }),
    });
    // Slow users pages (8 users steps of 5 pages), so the kill lands inside one.
    fake.injectFault({ fault: { kind: "delay", ms: 100 }, path: "/api/v1/users", times: 1000 });
    const started = await startSync(t.db, runner, fixture);

    // Two users steps committed, the third one's pages in flight.
    await waitFor(async () => {
      const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } });
      return run.phase === "USERS" && run.stepSeq >= 3;
    }, RUN_TIMEOUT_MS);
    const requests = fake.requests.length;
    await waitFor(() => fake.requests.length > requests);
    await app.kill("SIGKILL");
    const midway = await t.db.syncRun.findUniqueOrThrow({ where: { id: started.syncRunId } });
    expect(midway).toMatchObject({ status: "RUNNING", phase: "USERS" });
    expect(midway.usersCreated).toBeLessThan(200);

    app = await startApp(port);
    const { inngest, run } = await finishSync(t.db, runner, started);
    expect(inngest.status).toBe("Completed");
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 200, usersCreated: 200, groupsCreated: 2, membershipsAdded: 205 }),
    );
    expect(await t.db.directoryUser.count({ where: { userSyncId: fixture.userSyncId } })).toBe(200);
    const externalIds = await t.db.directoryUser.findMany({
      where: { userSyncId: fixture.userSyncId },
      select: { externalId: true },
    });
    expect(new Set(externalIds.map((u) => u.externalId)).size).toBe(200);
    expect(await t.db.syncRunItem.count({ where: { syncRunId: run.id, kind: "CREATED" } })).toBe(200);
    expect(await t.db.groupMembership.count({ where: { group: { userSyncId: fixture.userSyncId } } })).toBe(
      205,
    );
    expect(await t.db.email.count({ where: { syncRunId: run.id, template: "sync-report" } })).toBe(1);
  });
});
