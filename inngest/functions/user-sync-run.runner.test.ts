import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { type Runner, startRunner } from "@/scripts/inngest-runner";
import type { App } from "@/scripts/inngest-runner/registry";
import { finishedRun, getJson, runFor, syncApp, waitFor } from "@/scripts/inngest-runner/testing/harness";
import { serveRoutes } from "@/scripts/inngest-runner/testing/http";
import type { Run } from "@/scripts/inngest-runner/types";
import { createTestDb, type TestDb } from "@/test-support/db";
import { orgData, stubSyncEnv } from "@/test-support/sync-e2e";
import { createQueuedSyncRun } from "@/test-support/sync-run";

// Smoke test of the app's real /api/inngest route (served here without Next.js) driven by the
// local runner: the app's code as it runs against any Inngest server.
let t: TestDb;
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => t.db,
}));

const dir = mkdtempSync(path.join(tmpdir(), "user-sync-run-"));
let runner: Runner;
let server: Server;
let send: typeof import("@/inngest/client").inngest.send;
let fake: FakeOkta;

beforeAll(async () => {
  stubSyncEnv();
  t = await createTestDb();
  fake = await startFakeOkta({ data: orgData(12, [{ name: "Ops", members: [0, 1] }]) });
  runner = await startRunner({ port: 0, dataDir: dir, backoff: "fast", log: () => {} });
  vi.stubEnv("INNGEST_DEV", runner.url);
  const route = await import("@/app/api/inngest/route");
  const { inngest } = await import("@/inngest/client");
  send = inngest.send.bind(inngest);
  const served = await serveRoutes({ "/api/inngest": route });
  server = served.server;
  await syncApp(`${served.origin}/api/inngest`);
});
afterAll(async () => {
  await runner?.close();
  server?.close();
  await fake?.close();
  vi.unstubAllEnvs();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const FN = "okta-workspace-user-sync-user-sync/run";

describe("user-sync/run through the local runner", () => {
  it("is synced with its failure and cancel handlers and its concurrency keyed by the sync", async () => {
    const apps = await getJson<App[]>(`${runner.url}/functions`);
    expect(apps.map((app) => [app.appName, app.functions.map((fn) => fn.id)])).toEqual([
      [
        "okta-workspace-user-sync",
        [FN, `${FN}-failure`, `${FN}-cancelled`, "okta-workspace-user-sync-user-sync/schedule"],
      ],
    ]);
    const [run, , cancelled] = apps[0]?.functions ?? [];
    expect(run?.concurrency).toEqual({ key: "event.data.userSyncId", limit: 1 });
    // Subscribed to Inngest's cancel of user-sync/run only, as Inngest's docs show.
    expect(cancelled?.triggers).toEqual([
      { event: "inngest/function.cancelled", expression: `event.data.function_id == '${FN}'` },
    ]);
  });

  it("runs a sync to SUCCEEDED, and a replay of its event as a new REPLAY run", async () => {
    const queued = await createQueuedSyncRun(t.db, { domain: fake.url, token: fake.token });
    const { ids } = await send({ name: "user-sync/run.requested", data: { ...queued, trigger: "manual" } });
    const run = await finishedRun(runner.url, (await runFor(runner.url, FN, String(ids[0]))).id);
    expect(run.status).toBe("Completed");
    expect(run.output).toEqual({ syncRunId: queued.syncRunId, replay: false });
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    expect(row).toMatchObject({
      status: "SUCCEEDED",
      inngestRunId: run.id,
      trigger: "MANUAL",
      usersCreated: 12,
      groupsCreated: 2,
      membershipsAdded: 14,
    });
    expect(row.startedAt?.getTime()).toBeLessThanOrEqual(row.finishedAt?.getTime() ?? 0);

    const { id } = await getJson<{ id: string }>(`${runner.url}/runs/${run.id}/replay`, { method: "POST" });
    const replay = await finishedRun(runner.url, id);
    expect(replay.output).toMatchObject({ replay: true });
    const rows = await t.db.syncRun.findMany({
      where: { userSyncId: queued.userSyncId },
      orderBy: { queuedAt: "asc" },
    });
    // The replay of a full run is full too: it lists the 12 users again (an incremental one would list none).
    expect(
      rows.map((r) => [r.trigger, r.mode, r.status, r.inngestRunId, r.usersCreated, r.usersUnchanged]),
    ).toEqual([
      ["MANUAL", "FULL", "SUCCEEDED", run.id, 12, 0],
      ["REPLAY", "FULL", "SUCCEEDED", replay.id, 0, 12],
    ]);
  });

  it("fails a run for a SyncRun that is not the sync's, and its failure handler leaves that run alone", async () => {
    const queued = await createQueuedSyncRun(t.db);
    const other = await createQueuedSyncRun(t.db);
    const { ids } = await send({
      name: "user-sync/run.requested",
      data: { ...queued, syncRunId: other.syncRunId, trigger: "manual" },
    });
    const run = await finishedRun(runner.url, (await runFor(runner.url, FN, String(ids[0]))).id);
    expect(run).toMatchObject({ status: "Failed", error: { name: "NonRetriableError" } });
    const handled = await waitFor(async () =>
      (await getJson<Run[]>(`${runner.url}/runs`)).find(
        (r) => r.functionId === `${FN}-failure` && (r.event.data as { run_id?: string }).run_id === run.id,
      ),
    );
    const failure = await finishedRun(runner.url, handled.id);
    expect([failure.status, failure.error]).toEqual(["Completed", undefined]);
    const rows = await t.db.syncRun.findMany({ where: { id: { in: [queued.syncRunId, other.syncRunId] } } });
    expect(rows.map((r) => r.status)).toEqual(["QUEUED", "QUEUED"]);
    expect(await t.db.email.count({ where: { syncRunId: other.syncRunId } })).toBe(0);
  });
});
