import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import type { Db, Prisma } from "@/lib/db";
import { failRun, initialSyncState } from "./run";

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

/**
 * Marks FAILED the SyncRun an Inngest run recorded into, after that run failed for good. A run
 * that failed before claiming one fails the requested SyncRun, if it is the sync's and no other
 * run has claimed it. Returns the id of the SyncRun the Inngest run stands for (failed now or
 * before), or null when there is none (the event named no run of this sync).
 */
export async function markInngestRunFailed(
  db: Db,
  failure: { inngestRunId: string; userSyncId: string; syncRunId: string; error: string },
): Promise<string | null> {
  const own = await db.syncRun.findFirst({
    where: { inngestRunId: failure.inngestRunId, userSyncId: failure.userSyncId },
    select: { id: true },
  });
  const unclaimed = own
    ? null
    : await db.syncRun.findFirst({
        where: { id: failure.syncRunId, userSyncId: failure.userSyncId, inngestRunId: null },
        select: { id: true },
      });
  const target = own ?? unclaimed;
  if (!target) return null;
  // As any failed run: it keeps the phase it stopped in, its scratch goes, its sync is freed.
  await failRun(db, target.id, new Error(failure.error));
  return target.id;
}
