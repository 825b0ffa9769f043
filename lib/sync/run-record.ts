import { recordAudit } from "@/lib/audit";
import type { Db, SyncRunStatus } from "@/lib/db";

/** Statuses that end a run. */
export type FinishedStatus = Extract<SyncRunStatus, "SUCCEEDED" | "PARTIAL" | "FAILED" | "CANCELLED">;

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
}

/**
 * Claims the requested SyncRun for an Inngest run and marks it RUNNING. A run already claimed by
 * another Inngest run, or already finished, means this execution is a replay of its event: it
 * gets a SyncRun of its own (trigger REPLAY) so history is never overwritten. Safe to retry: an
 * Inngest run that already claimed or created a SyncRun gets that one back.
 */
export async function markRunStarted(
  db: Db,
  request: { syncRunId: string; userSyncId: string; organizationId: string; inngestRunId: string },
  now = new Date(),
): Promise<StartedRun> {
  const { syncRunId, userSyncId, organizationId, inngestRunId } = request;
  const own = await db.syncRun.findFirst({ where: { inngestRunId, userSyncId }, select: { id: true } });
  if (own) return { syncRunId: own.id, replay: own.id !== syncRunId };

  const claimed = await db.syncRun.updateMany({
    where: { id: syncRunId, userSyncId, organizationId, inngestRunId: null, status: "QUEUED" },
    data: { status: "RUNNING", startedAt: now, inngestRunId },
  });
  if (claimed.count === 1) return { syncRunId, replay: false };

  const original = await db.syncRun.findFirst({
    where: { id: syncRunId, userSyncId, organizationId },
    select: { mode: true },
  });
  if (!original) throw new SyncRunNotFoundError(syncRunId);
  const replay = await db.$transaction(async (tx) => {
    const created = await tx.syncRun.create({
      data: {
        organizationId,
        userSyncId,
        mode: original.mode,
        trigger: "REPLAY",
        status: "RUNNING",
        queuedAt: now,
        startedAt: now,
        inngestRunId,
      },
      select: { id: true },
    });
    // Started from the Inngest dashboard, not by a member: the log still shows it.
    await recordAudit(tx, {
      organizationId,
      actorId: null,
      action: "sync-run.started",
      targetType: "SyncRun",
      targetId: created.id,
      details: { trigger: "REPLAY", replayOf: syncRunId },
    });
    return created;
  });
  return { syncRunId: replay.id, replay: true };
}

/**
 * Ends a run (once: a finished run keeps its first outcome) and frees its sync for the next run.
 * Returns whether this call finished it.
 */
export async function markRunFinished(
  db: Db,
  syncRunId: string,
  status: FinishedStatus,
  options: { error?: string; now?: Date } = {},
): Promise<boolean> {
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const finished = await tx.syncRun.updateMany({
      where: { id: syncRunId, status: { in: ["QUEUED", "RUNNING", "BLOCKED"] } },
      data: { status, finishedAt: now, phase: "DONE", error: options.error ?? null },
    });
    await tx.userSync.updateMany({ where: { activeRunId: syncRunId }, data: { activeRunId: null } });
    return finished.count === 1;
  });
}

/**
 * Marks FAILED the SyncRun an Inngest run recorded into, after that run failed for good. A run
 * that failed before claiming one fails the requested SyncRun, unless another run has claimed it.
 */
export async function markInngestRunFailed(
  db: Db,
  failure: { inngestRunId: string; syncRunId: string; error: string },
): Promise<boolean> {
  const own = await db.syncRun.findFirst({
    where: { inngestRunId: failure.inngestRunId },
    select: { id: true },
  });
  const unclaimed = own
    ? null
    : await db.syncRun.findFirst({
        where: { id: failure.syncRunId, inngestRunId: null },
        select: { id: true },
      });
  const target = own ?? unclaimed;
  return target ? markRunFinished(db, target.id, "FAILED", { error: failure.error }) : false;
}
