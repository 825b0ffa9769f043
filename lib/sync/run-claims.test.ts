import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createQueuedSyncRun } from "@/test-support/sync-run";
import { ACTIVE_STATUSES } from "./active-statuses";
import {
  CANCELLED_IN_INNGEST,
  failRun,
  markInngestRunCancelled,
  markInngestRunFailed,
  markRunStarted,
  requestCancel,
  SyncRunNotFoundError,
} from "./run";
import type { SyncState } from "./types";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

/** Ends a run as a sync would (status, sync freed), in the given mode. */
async function finish(syncRunId: string, mode: "FULL" | "INCREMENTAL" = "FULL") {
  await failRun(t.db, syncRunId, new Error("ended for the test"));
  await t.db.syncRun.update({ where: { id: syncRunId }, data: { status: "SUCCEEDED", mode } });
}

describe("markRunStarted", () => {
  it("claims the queued run for the Inngest run, and gives it back when the step is retried", async () => {
    const queued = await createQueuedSyncRun(t.db);
    const first = await markRunStarted(t.db, { ...queued, inngestRunId: "run-1" });
    const again = await markRunStarted(t.db, { ...queued, inngestRunId: "run-1" });
    expect(first).toEqual({ syncRunId: queued.syncRunId, replay: false, proceed: true, preview: false });
    expect(again).toEqual(first);
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    // Claimed, not yet started: its first step sets RUNNING and startedAt (once, there).
    expect(row).toMatchObject({
      status: "QUEUED",
      inngestRunId: "run-1",
      trigger: "MANUAL",
      startedAt: null,
    });
  });

  it("records a replay of a finished run's event as a new REPLAY run, leaving the original intact", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...queued, inngestRunId: "run-a" });
    await finish(queued.syncRunId);

    const replay = await markRunStarted(t.db, { ...queued, inngestRunId: "run-b" });
    expect(replay).toMatchObject({ replay: true, proceed: true });
    expect(replay.syncRunId).not.toBe(queued.syncRunId);
    expect(await markRunStarted(t.db, { ...queued, inngestRunId: "run-b" })).toEqual(replay);

    const rows = await t.db.syncRun.findMany({
      where: { userSyncId: queued.userSyncId },
      orderBy: { queuedAt: "asc" },
    });
    expect(rows.map((r) => [r.trigger, r.status, r.inngestRunId])).toEqual([
      ["MANUAL", "SUCCEEDED", "run-a"],
      ["REPLAY", "QUEUED", "run-b"],
    ]);
    // Like any run, the replay holds its idle sync: a SYNC DATA meanwhile starts nothing, and its
    // end records its listing.
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: queued.userSyncId } });
    expect(sync.activeRunId).toBe(replay.syncRunId);
  });

  it("replays a preview as a preview: it writes nothing and sends no email either", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await t.db.syncRun.update({ where: { id: queued.syncRunId }, data: { preview: true } });
    expect(await markRunStarted(t.db, { ...queued, inngestRunId: "run-v" })).toMatchObject({ preview: true });
    await finish(queued.syncRunId);

    const replay = await markRunStarted(t.db, { ...queued, inngestRunId: "run-w" });
    expect(replay).toMatchObject({ replay: true, proceed: true, preview: true });
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: replay.syncRunId } });
    expect(row).toMatchObject({ trigger: "REPLAY", preview: true });
  });

  it("never runs a replay alongside the run that holds the sync: it ends at once, saying why", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...queued, inngestRunId: "run-p" });
    // Replayed while the run it replays is still going, and again (a second Inngest run) at once.
    const replays = await Promise.all(
      ["run-q", "run-r"].map((inngestRunId) => markRunStarted(t.db, { ...queued, inngestRunId })),
    );
    expect(replays.map((r) => [r.replay, r.proceed])).toEqual([
      [true, false],
      [true, false],
    ]);
    for (const replay of replays) {
      const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: replay.syncRunId } });
      expect(row).toMatchObject({ trigger: "REPLAY", status: "CANCELLED", startedAt: null });
      expect(row.error).toMatch(/^Not run: another run of this sync was in progress/);
      expect(row.finishedAt).toBeInstanceOf(Date);
    }
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: queued.userSyncId } });
    expect(sync.activeRunId).toBe(queued.syncRunId);
    // A retried step of the skipped replay finds its row and still does not proceed.
    expect(await markRunStarted(t.db, { ...queued, inngestRunId: "run-q" })).toEqual(replays[0]);
  });

  it("of concurrent replays of a finished run, one runs and the others end at once", async () => {
    const queued = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...queued, inngestRunId: "run-s" });
    await finish(queued.syncRunId);
    const replays = await Promise.all(
      Array.from({ length: 5 }, (_, i) => markRunStarted(t.db, { ...queued, inngestRunId: `run-t${i}` })),
    );
    expect(replays.filter((r) => r.proceed)).toHaveLength(1);
    const running = await t.db.syncRun.findMany({
      where: { userSyncId: queued.userSyncId, status: { in: ACTIVE_STATUSES } },
    });
    expect(running.map((r) => r.id)).toEqual(replays.filter((r) => r.proceed).map((r) => r.syncRunId));
  });

  it("keeps the mode of the run it replays", async () => {
    for (const mode of ["FULL", "INCREMENTAL"] as const) {
      const queued = await createQueuedSyncRun(t.db);
      await markRunStarted(t.db, { ...queued, inngestRunId: `run-${mode}-1` });
      await finish(queued.syncRunId, mode);
      const replay = await markRunStarted(t.db, { ...queued, inngestRunId: `run-${mode}-2` });
      const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: replay.syncRunId } });
      expect(row.mode).toBe(mode);
      // The engine decides the mode from the checkpoint: a full run is replayed full.
      expect((row.checkpoint as unknown as SyncState).forceFull).toBe(mode === "FULL");
    }
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
      status: "QUEUED",
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

describe("markInngestRunCancelled", () => {
  const cancelAudits = (syncRunId: string) =>
    t.db.auditEvent.findMany({ where: { targetId: syncRunId, action: "sync-run.cancelled" } });

  it("ends the run the Inngest run claimed CANCELLED, frees its sync and empties its scratch, once", async () => {
    const claimed = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...claimed, inngestRunId: "run-k" });
    await t.db.syncRunSeen.create({ data: { syncRunId: claimed.syncRunId, scope: "users", key: "00u1" } });
    const cancel = { inngestRunId: "run-k", userSyncId: claimed.userSyncId, syncRunId: claimed.syncRunId };

    expect(await markInngestRunCancelled(t.db, cancel)).toBe(claimed.syncRunId);
    const row = await t.db.syncRun.findUniqueOrThrow({ where: { id: claimed.syncRunId } });
    expect(row).toMatchObject({ status: "CANCELLED", error: CANCELLED_IN_INNGEST });
    expect(row.finishedAt).toBeInstanceOf(Date);
    // A step still in flight sees the flag and stops; its commit is refused (the run has ended).
    expect(row.cancelRequestedAt).toBeInstanceOf(Date);
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: claimed.userSyncId } });
    expect(sync.activeRunId).toBeNull();
    expect(await t.db.syncRunSeen.count({ where: { syncRunId: claimed.syncRunId } })).toBe(0);
    expect((await cancelAudits(claimed.syncRunId)).map((a) => [a.actorId, a.details])).toEqual([
      [null, { by: "inngest" }],
    ]);
    // The step retried: the same run (its report is sent once), nothing recorded twice.
    expect(await markInngestRunCancelled(t.db, cancel)).toBe(claimed.syncRunId);
    expect(await cancelAudits(claimed.syncRunId)).toHaveLength(1);
  });

  it("ends a run waiting at the safeguard, and the requested run of an Inngest run cancelled before it began", async () => {
    const blocked = await createQueuedSyncRun(t.db);
    await markRunStarted(t.db, { ...blocked, inngestRunId: "run-l" });
    await t.db.syncRun.update({ where: { id: blocked.syncRunId }, data: { status: "BLOCKED" } });
    const unclaimed = await createQueuedSyncRun(t.db);
    for (const [run, inngestRunId] of [
      [blocked, "run-l"],
      [unclaimed, "run-m"],
    ] as const) {
      expect(await markInngestRunCancelled(t.db, { ...run, inngestRunId })).toBe(run.syncRunId);
      expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: run.syncRunId } })).toMatchObject({
        status: "CANCELLED",
      });
    }
  });

  it("leaves alone a run the app's Cancel ended, and another sync's run", async () => {
    const waiting = await createQueuedSyncRun(t.db);
    expect(await requestCancel(t.db, waiting.syncRunId, null)).toBe("cancelled");
    // The app's cancel event then cancels the Inngest run, which never claimed the SyncRun.
    expect(await markInngestRunCancelled(t.db, { ...waiting, inngestRunId: "run-n" })).toBeNull();
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: waiting.syncRunId } })).toMatchObject({
      status: "CANCELLED",
      error: null,
    });
    // Only the app's own cancel is in the log.
    expect((await cancelAudits(waiting.syncRunId)).map((a) => a.details)).toEqual([null]);

    const mine = await createQueuedSyncRun(t.db);
    const theirs = await createQueuedSyncRun(t.db);
    expect(
      await markInngestRunCancelled(t.db, {
        inngestRunId: "run-o",
        userSyncId: mine.userSyncId,
        syncRunId: theirs.syncRunId,
      }),
    ).toBeNull();
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: theirs.syncRunId } })).toMatchObject({
      status: "QUEUED",
    });
  });
});
