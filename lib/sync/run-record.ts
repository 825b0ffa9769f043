import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import type { Db, SyncRunStatus } from "@/lib/db";
import { failRun } from "./run";

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
 * gets a SyncRun of its own (trigger REPLAY) so history is never overwritten, and holds the sync
 * if no other run does. Safe to retry: an Inngest run that already claimed or created a SyncRun
 * gets that one back.
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
  // Like any run, the replay holds its sync when it is idle (the claim first, as in startRunRequest),
  // so a SYNC DATA meanwhile starts nothing and the replay's end records its listing.
  const id = randomUUID();
  await db.$transaction(async (tx) => {
    await tx.userSync.updateMany({ where: { id: userSyncId, activeRunId: null }, data: { activeRunId: id } });
    await tx.syncRun.create({
      data: {
        id,
        organizationId,
        userSyncId,
        mode: original.mode,
        trigger: "REPLAY",
        status: "RUNNING",
        queuedAt: now,
        startedAt: now,
        inngestRunId,
      },
    });
    // Started from the Inngest dashboard, not by a member: the log still shows it.
    await recordAudit(tx, {
      organizationId,
      actorId: null,
      action: "sync-run.started",
      targetType: "SyncRun",
      targetId: id,
      details: { trigger: "REPLAY", replayOf: syncRunId },
    });
  });
  return { syncRunId: id, replay: true };
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
