import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDb, type TestDb } from "@/lib/testing/db";
import { createQueuedSyncRun } from "@/lib/testing/sync-run";
import { userSyncRun } from "./user-sync-run";

let t: TestDb;
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => t.db,
}));

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

// A fresh engine per execution: an engine caches step results across its executions.
const engine = () => new InngestTestEngine({ function: userSyncRun });
const requested = (data: { organizationId: string; userSyncId: string; syncRunId: string }) =>
  [{ name: "user-sync/run.requested", data: { ...data, trigger: "manual" } }] as [
    { name: string; data: Record<string, unknown> },
  ];

describe("user-sync/run", () => {
  it("marks the run RUNNING in one step and SUCCEEDED in the next", async () => {
    const queued = await createQueuedSyncRun(t.db);
    const started = await engine().executeStep("start-run", { events: requested(queued) });
    expect(started.result).toEqual({ syncRunId: queued.syncRunId, replay: false });
    const midway = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    expect(midway).toMatchObject({ status: "RUNNING", finishedAt: null });
    expect(midway.inngestRunId).toBe(started.ctx.runId);

    const { result, error } = await engine().execute({ events: requested(queued) });
    expect(error).toBeUndefined();
    expect(result).toEqual({ syncRunId: expect.any(String), replay: true });
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } })).toMatchObject({
      status: "RUNNING",
    });
  });

  it("runs a sync end to end, and records a replay of its event as a new REPLAY run", async () => {
    const queued = await createQueuedSyncRun(t.db);
    const first = await engine().execute({ events: requested(queued) });
    expect(first.result).toEqual({ syncRunId: queued.syncRunId, replay: false });
    const replay = await engine().execute({ events: requested(queued) });
    expect(replay.result).toMatchObject({ replay: true });

    const rows = await t.db.syncRun.findMany({
      where: { userSyncId: queued.userSyncId },
      orderBy: { queuedAt: "asc" },
    });
    expect(rows.map((r) => [r.trigger, r.status, r.phase])).toEqual([
      ["MANUAL", "SUCCEEDED", "DONE"],
      ["REPLAY", "SUCCEEDED", "DONE"],
    ]);
    // @inngest/test gives each re-execution of a run a new runId, so only distinctness is checked here.
    expect(rows[1]?.inngestRunId).toBeTruthy();
    expect(rows[1]?.inngestRunId).not.toBe(rows[0]?.inngestRunId);
  });

  it("fails without retries when the SyncRun is not the sync's", async () => {
    const queued = await createQueuedSyncRun(t.db);
    const { error } = await engine().execute({ events: requested({ ...queued, syncRunId: "missing" }) });
    expect(error).toMatchObject({ name: "NonRetriableError" });
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } })).toMatchObject({
      status: "QUEUED",
    });
  });
});
