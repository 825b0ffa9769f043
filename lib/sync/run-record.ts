import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import type { Db, Prisma } from "@/lib/db";
import { cancelRunNow, failRun, initialSyncState } from "./run";

export class SyncRunNotFoundError extends Error {
  constructor(syncRunId: string) {
    super(`SyncRun ${syncRunId} does not exist for this sync`);
    this.name = "SyncRunNotFoundError";
  }
}

export interface StartedRun {
  /** The SyncRun this Inngest run records into: the requested one, or a new REPLAY run. */
  syncRunId: string;
  replay: boolean;
  /** False for a replay that found another run holding the sync: it ended at once. */
  proceed: boolean;
}

/** Why a replay did not run, in its SYNC HISTORY row. */
export const REPLAY_NOT_RUN =
  "Not run: another run of this sync was in progress when this replay started. Replay it again once that run has ended.";

/**
 * Claims the requested SyncRun for an Inngest run and marks it RUNNING. A run already claimed by
 * another Inngest run, or already finished, means this execution is a replay of its event: it
 * gets a SyncRun of its own (trigger REPLAY, the original's mode) so history is never overwritten.
 * One run at a time per sync, replays included: the replay runs only if it can claim the sync;
 * otherwise its row ends CANCELLED at once, saying why (Inngest's concurrency limit orders steps,
 * not runs, so two runs could otherwise interleave). Safe to retry: an Inngest run that already
 * claimed or created a SyncRun gets that one back.
 */
export async function markRunStarted(
  db: Db,
  request: { syncRunId: string; userSyncId: string; organizationId: string; inngestRunId: string },
  now = new Date(),
): Promise<StartedRun> {
  const { syncRunId, userSyncId, organizationId, inngestRunId } = request;
  const own = await db.syncRun.findFirst({
    where: { inngestRunId, userSyncId },
    select: { id: true, status: true, startedAt: true },
  });
  if (own) {
    const skipped = own.status === "CANCELLED" && own.startedAt === null;
    return { syncRunId: own.id, replay: own.id !== syncRunId, proceed: !skipped };
  }

  const claimed = await db.syncRun.updateMany({
    where: { id: syncRunId, userSyncId, organizationId, inngestRunId: null, status: "QUEUED" },
    data: { status: "RUNNING", startedAt: now, inngestRunId },
  });
  if (claimed.count === 1) return { syncRunId, replay: false, proceed: true };

  const original = await db.syncRun.findFirst({
    where: { id: syncRunId, userSyncId, organizationId },
    select: { mode: true },
  });
  if (!original) throw new SyncRunNotFoundError(syncRunId);
  // The claim first, as in startRunRequest: inserting the run before would share-lock the sync row.
  const id = randomUUID();
  return db.$transaction(async (tx) => {
    const claim = await tx.userSync.updateMany({
      where: { id: userSyncId, activeRunId: null },
      data: { activeRunId: id },
    });
    const proceed = claim.count === 1;
    const checkpoint = initialSyncState({ forceFull: original.mode === "FULL" });
    await tx.syncRun.create({
      data: {
        id,
        organizationId,
        userSyncId,
        mode: original.mode,
        trigger: "REPLAY",
        queuedAt: now,
        inngestRunId,
        checkpoint: checkpoint as unknown as Prisma.InputJsonObject,
        ...(proceed
          ? { status: "RUNNING", startedAt: now }
          : { status: "CANCELLED", finishedAt: now, error: REPLAY_NOT_RUN }),
      },
    });
    // Started from the Inngest dashboard, not by a member: the log still shows it.
    await recordAudit(tx, {
      organizationId,
      actorId: null,
      action: "sync-run.started",
      targetType: "SyncRun",
      targetId: id,
      details: { trigger: "REPLAY", replayOf: syncRunId, ...(proceed ? {} : { notRun: REPLAY_NOT_RUN }) },
    });
    return { syncRunId: id, replay: true, proceed };
  });
}

/** An Inngest run of `user-sync/run` that ended outside its steps, and the event that started it. */
export interface EndedInngestRun {
  inngestRunId: string;
  userSyncId: string;
  syncRunId: string;
}

/**
 * The SyncRun an Inngest run stands for: the one it recorded into, else (it ended before claiming
 * one) the requested SyncRun, if it is the sync's and no other run has claimed it. Null when
 * there is none (the event named no run of this sync).
 */
async function syncRunOf(db: Db, ended: EndedInngestRun) {
  const { inngestRunId, userSyncId, syncRunId } = ended;
  const select = { id: true, status: true, error: true } as const;
  const own = await db.syncRun.findFirst({ where: { inngestRunId, userSyncId }, select });
  return own ?? db.syncRun.findFirst({ where: { id: syncRunId, userSyncId, inngestRunId: null }, select });
}

/**
 * Marks FAILED the SyncRun an Inngest run stands for, after that run failed for good. Returns its
 * id (failed now or before), or null when there is none.
 */
export async function markInngestRunFailed(
  db: Db,
  failure: EndedInngestRun & { error: string },
): Promise<string | null> {
  const target = await syncRunOf(db, failure);
  if (!target) return null;
  // As any failed run: it keeps the phase it stopped in, its scratch goes, its sync is freed.
  await failRun(db, target.id, new Error(failure.error));
  return target.id;
}

/** Why a run ended without its Cancel, in its SYNC HISTORY row and its report. */
export const CANCELLED_IN_INNGEST =
  "Cancelled in Inngest (its dashboard or API), not with this app's Cancel. The run stopped where it stood; what it had already applied stays.";

/**
 * Ends CANCELLED the SyncRun an Inngest run stands for, after Inngest cancelled that run: no step
 * of it will run again. Returns the SyncRun's id when this cancel ended it (its report is owed),
 * or null when there is none or it had ended otherwise (e.g. by the app's Cancel, whose event
 * then cancelled the Inngest run).
 */
export async function markInngestRunCancelled(db: Db, cancel: EndedInngestRun): Promise<string | null> {
  const target = await syncRunOf(db, cancel);
  if (!target) return null;
  if (await cancelRunNow(db, target.id, CANCELLED_IN_INNGEST)) return target.id;
  // Ended by an earlier attempt of this step, whose report may still be owed (it is sent once).
  return target.status === "CANCELLED" && target.error === CANCELLED_IN_INNGEST ? target.id : null;
}
