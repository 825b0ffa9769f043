import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/lib/testing/db";
import { createQueuedSyncRun } from "@/lib/testing/sync-run";
import { markInngestRunFailed, markRunFinished, markRunStarted, SyncRunNotFoundError } from "./run-record";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

describe("markRunStarted", () => {
  it("claims the queued run for the Inngest run, and gives it back when the step is retried", async () => {
    const queued = await createQueuedSyncRun(t.db);
    const first = await markRunStarted(t.db, { ...queued, inngestRunId: "run-1" });
    const again = await markRunStarted(t.db, { ...queued, inngestRunId: "run-1" });
    expect(first).toEqual({ syncRunId: queued.syncRunId, replay: false });
    expect(again).toEqual(first);
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    expect(row).toMatchObject({ status: "RUNNING", inngestRunId: "run-1", trigger: "MANUAL" });
    expect(row.startedAt).toBeInstanceOf(Date);
  });

  it("records a replay of a finished run's event as a new REPLAY run, leaving the original intact", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...queued, inngestRunId: "run-a" });
    await markRunFinished(t.db, queued.syncRunId, "SUCCEEDED");

    const replay = await markRunStarted(t.db, { ...queued, inngestRunId: "run-b" });
    expect(replay.replay).toBe(true);
    expect(replay.syncRunId).not.toBe(queued.syncRunId);
    expect(await markRunStarted(t.db, { ...queued, inngestRunId: "run-b" })).toEqual(replay);

    const rows = await t.db.syncRun.findMany({
      where: { userSyncId: queued.userSyncId },
      orderBy: { queuedAt: "asc" },
    });
    expect(rows.map((r) => [r.trigger, r.status, r.inngestRunId])).toEqual([
      ["MANUAL", "SUCCEEDED", "run-a"],
      ["REPLAY", "RUNNING", "run-b"],
    ]);
    // Like any run, the replay holds its idle sync: a SYNC DATA meanwhile starts nothing, and its
    // end records its listing.
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: queued.userSyncId } });
    expect(sync.activeRunId).toBe(replay.syncRunId);
  });

  it("runs a replay without the sync when another run holds it", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...queued, inngestRunId: "run-p" });
    await markRunFinished(t.db, queued.syncRunId, "SUCCEEDED");
    const next = await t.db.syncRun.create({
      data: { organizationId: queued.organizationId, userSyncId: queued.userSyncId, trigger: "MANUAL" },
    });
    await t.db.userSync.update({ where: { id: queued.userSyncId }, data: { activeRunId: next.id } });

    const replay = await markRunStarted(t.db, { ...queued, inngestRunId: "run-q" });
    expect(replay.replay).toBe(true);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: queued.userSyncId } });
    expect(sync.activeRunId).toBe(next.id);
  });

  it("refuses a run of another sync or organization", async () => {
    const mine = await createQueuedSyncRun(t.db);
    const theirs = await createQueuedSyncRun(t.db);
    await expect(
      markRunStarted(t.db, { ...theirs, syncRunId: mine.syncRunId, inngestRunId: "run-x" }),
    ).rejects.toBeInstanceOf(SyncRunNotFoundError);
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: mine.syncRunId } });
    expect(row.status).toBe("QUEUED");
  });
});

describe("markRunFinished", () => {
  it("finishes once, keeps the first outcome and frees the sync", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...queued, inngestRunId: "run-f" });
    expect(await markRunFinished(t.db, queued.syncRunId, "SUCCEEDED")).toBe(true);
    expect(await markRunFinished(t.db, queued.syncRunId, "FAILED", { error: "late" })).toBe(false);
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    expect(row).toMatchObject({ status: "SUCCEEDED", phase: "DONE", error: null });
    expect(row.finishedAt).toBeInstanceOf(Date);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: queued.userSyncId } });
    expect(sync.activeRunId).toBeNull();
  });
});

describe("markInngestRunFailed", () => {
  it("fails the run the Inngest run claimed, or the unclaimed requested one, never another run's", async () => {
    const claimed = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...claimed, inngestRunId: "run-c" });
    expect(
      await markInngestRunFailed(t.db, {
        inngestRunId: "run-c",
        userSyncId: claimed.userSyncId,
        syncRunId: "ignored",
        error: "boom",
      }),
    ).toBe(claimed.syncRunId);
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: claimed.syncRunId } })).toMatchObject({
      status: "FAILED",
      error: "boom",
    });

    const unclaimed = await createQueuedSyncRun(t.db);
    await markInngestRunFailed(t.db, {
      inngestRunId: "run-d",
      userSyncId: unclaimed.userSyncId,
      syncRunId: unclaimed.syncRunId,
      error: "early",
    });
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: unclaimed.syncRunId } })).toMatchObject({
      status: "FAILED",
    });

    const other = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...other, inngestRunId: "run-e" });
    expect(
      await markInngestRunFailed(t.db, {
        inngestRunId: "run-g",
        userSyncId: other.userSyncId,
        syncRunId: other.syncRunId,
        error: "x",
      }),
    ).toBeNull();
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: other.syncRunId } })).toMatchObject({
      status: "RUNNING",
    });

    // An event naming another sync's run (the run failed for it) leaves that run alone.
    const mine = await createQueuedSyncRun(t.db);
    const theirs = await createQueuedSyncRun(t.db);
    expect(
      await markInngestRunFailed(t.db, {
        inngestRunId: "run-h",
        userSyncId: mine.userSyncId,
        syncRunId: theirs.syncRunId,
        error: "y",
      }),
    ).toBeNull();
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: theirs.syncRunId } })).toMatchObject({
      status: "QUEUED",
    });
  });
});
