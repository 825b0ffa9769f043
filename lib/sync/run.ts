/**
 * A run's lifecycle, owned here and nowhere else: claiming the sync (a request, an Inngest run, a
 * replay), starting (the first step), finishing, failing and cancelling it, freeing the sync and
 * clearing the run's scratch as it ends, and the run's audit events. Callers check the member's
 * organization and role at their boundary (`inngest/dispatch.ts`); these functions take ids they
 * trust.
 */
import { randomUUID } from "node:crypto";
import { type AuditAction, recordAudit } from "@/lib/audit";
import { type Db, Prisma, type SyncRun, type SyncRunStatus, type SyncTrigger, type UserSync } from "@/lib/db";
import { ACTIVE_STATUSES } from "./active-statuses";
import { clearGoneUsers } from "./attention";
import { changeLogGap, fallbackMessage, startingPositions } from "./changes";
import { closeHealthIncident, HEALTHY_STATUSES } from "./health";
import { clearPreviewed } from "./preview";
import { clearSeen } from "./seen";
import type { Tx } from "./sql";
import { commitStep, running, type Step, type StepContext } from "./step";
import type { SyncState } from "./types";

export function initialSyncState(options: { forceFull?: boolean } = {}): SyncState {
  return {
    seq: 0,
    phase: "QUEUED",
    cursor: null,
    afterGroupId: null,
    memberCursor: null,
    forceFull: options.forceFull ?? false,
  };
}

export interface StartRunRequest {
  organizationId: string;
  userSyncId: string;
  trigger: SyncTrigger;
  startedById: string | null;
  /** List everything even if an incremental run is due. */
  forceFull?: boolean;
  /** A preview: lists everything and records what SYNC DATA would do, writing none of it (preview.ts). */
  preview?: boolean;
}

export type StartRunResult = { started: true; run: SyncRun } | { started: false; activeRun: SyncRun | null };

/**
 * Records a run (QUEUED) and makes it the sync's active run, in one transaction with its audit
 * event. The claim is a compare-and-set on `UserSync.activeRunId`, so of concurrent requests one
 * starts a run and the others get the run in progress. It comes first, under its new id:
 * inserting the run before would share-lock the sync row (foreign key) and deadlock concurrent
 * claims.
 */
export async function startRunRequest(db: Db, request: StartRunRequest): Promise<StartRunResult> {
  const { organizationId, userSyncId, trigger, startedById, forceFull, preview } = request;
  const id = randomUUID();
  const run = await db.$transaction(async (tx) => {
    const claim = await tx.userSync.updateMany({
      where: { id: userSyncId, activeRunId: null },
      data: { activeRunId: id },
    });
    if (claim.count !== 1) return null;
    const created = await tx.syncRun.create({
      data: {
        id,
        organizationId,
        userSyncId,
        trigger,
        startedById,
        preview,
        checkpoint: initialSyncState({
          forceFull: forceFull || preview,
        }) as unknown as Prisma.InputJsonObject,
      },
    });
    await auditRun(tx, created, "sync-run.started", startedById, {
      trigger,
      ...(forceFull && { forceFull }),
      ...(preview && { preview }),
    });
    return created;
  });
  if (run) return { started: true, run };
  const { activeRunId } = await db.userSync.findUniqueOrThrow({ where: { id: userSyncId } });
  const activeRun = activeRunId ? await db.syncRun.findUnique({ where: { id: activeRunId } }) : null;
  return { started: false, activeRun };
}

/**
 * Asks a run to stop. A queued or blocked run has no step in flight and ends at once; a running
 * one ends CANCELLED within about a second: its step notices (`untilCancelled`), abandons its
 * reads and waits, and ends the run. Either way nothing is deleted.
 */
export async function requestCancel(
  db: Db,
  runId: string,
  cancelledById: string | null,
): Promise<"cancelled" | "cancel-requested" | "not-active"> {
  return db.$transaction(async (tx) => {
    const ended = await endCancelled(tx, runId, ["QUEUED", "BLOCKED"], null);
    const flagged = ended
      ? 0
      : (
          await tx.syncRun.updateMany({
            where: { id: runId, status: "RUNNING", cancelRequestedAt: null },
            data: { cancelRequestedAt: new Date() },
          })
        ).count;
    if (!ended && flagged !== 1) return "not-active";
    const run = ended ?? (await tx.syncRun.findUniqueOrThrow({ where: { id: runId } }));
    await auditRun(tx, run, "sync-run.cancelled", cancelledById);
    return ended ? "cancelled" : "cancel-requested";
  });
}

/**
 * Ends a run CANCELLED at once, whatever it was doing, when its function will run no more: it
 * was cancelled in Inngest (its dashboard or API). A step still in flight sees the cancel flag,
 * abandons its reads and waits, and its commit is refused (the run is no longer at that step).
 * Deletes nothing, frees the sync and records the cancel in the audit log (by Inngest, no
 * member). False when the run had already ended.
 */
export async function cancelRunNow(db: Db, runId: string, reason: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const run = await endCancelled(tx, runId, ACTIVE_STATUSES, reason);
    if (!run) return false;
    await auditRun(tx, run, "sync-run.cancelled", null, { by: "inngest" });
    return true;
  });
}

/** Ends the run CANCELLED if it is in one of `from`, and closes it; the run, or null. */
async function endCancelled(
  tx: Tx,
  runId: string,
  from: SyncRunStatus[],
  error: string | null,
): Promise<SyncRun | null> {
  const now = new Date();
  const ended = await tx.syncRun.updateMany({
    where: { id: runId, status: { in: from } },
    data: { status: "CANCELLED", cancelRequestedAt: now, finishedAt: now, ...(error && { error }) },
  });
  if (ended.count !== 1) return null;
  const run = await tx.syncRun.findUniqueOrThrow({ where: { id: runId } });
  await closeRun(tx, run, { listed: false });
  return run;
}

/** The reason a step's reads and waits were aborted: a cancel of its run was requested. */
export class RunCancelledError extends Error {
  override name = "RunCancelledError";
  constructor(runId: string) {
    super(`Run ${runId} was cancelled`);
  }
}

/**
 * Runs a step's `work` with a signal that aborts once a cancel of the run is requested, read from
 * the database every `everyMs`: no event can interrupt a step in progress (under Inngest Cloud
 * either), so a step waiting out Okta's rate limits notices Cancel itself, within about a second.
 */
export async function untilCancelled<T>(
  db: Db,
  runId: string,
  work: (signal: AbortSignal) => Promise<T>,
  everyMs = 1000,
): Promise<T> {
  const controller = new AbortController();
  const poll = setInterval(() => {
    db.syncRun
      .findUnique({ where: { id: runId }, select: { cancelRequestedAt: true } })
      .then((run) => run?.cancelRequestedAt && controller.abort(new RunCancelledError(runId)))
      // A failed read is retried at the next tick.
      .catch(() => undefined);
  }, everyMs);
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(poll);
  }
}

/**
 * Ends a run FAILED (the orchestrator calls it when a step has used up its retries). Deletes
 * nothing and frees the sync. False when the run had already ended.
 */
export async function failRun(db: Db, runId: string, error: unknown): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const ended = await tx.syncRun.updateMany({
      where: { id: runId, status: { in: ACTIVE_STATUSES } },
      data: { status: "FAILED", error: describeError(error), finishedAt: new Date() },
    });
    if (ended.count !== 1) return false;
    await closeRun(tx, await tx.syncRun.findUniqueOrThrow({ where: { id: runId } }), { listed: false });
    return true;
  });
}

/** How long a QUEUED run may wait for its function to start before a sweep fails it. */
export const QUEUE_TIMEOUT_MS = 15 * 60_000;

/**
 * Fails the QUEUED runs no function has claimed within QUEUE_TIMEOUT_MS (of one sync, or all):
 * their event was lost (Inngest unreachable, a wrong event key, the app stopped before sending).
 * A run whose send merely threw stays QUEUED until then, since Inngest may have accepted it.
 * Returns the ids of the runs it failed.
 */
export async function failUnstartedRuns(db: Db, now: Date, userSyncId?: string): Promise<string[]> {
  const lost = await db.syncRun.findMany({
    where: {
      status: "QUEUED",
      inngestRunId: null,
      queuedAt: { lt: new Date(now.getTime() - QUEUE_TIMEOUT_MS) },
      ...(userSyncId && { userSyncId }),
    },
    select: { id: true },
  });
  const reason = new Error(
    `The sync did not start: its background worker (Inngest) did not pick it up within ${QUEUE_TIMEOUT_MS / 60_000} minutes. Ask your operator to check the Inngest configuration (docs/operations.md), then run it again.`,
  );
  const failed: string[] = [];
  for (const { id } of lost) if (await failRun(db, id, reason)) failed.push(id);
  return failed;
}

/** The error's message for the history, without anything that looks like a credential. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/\b(SSWS|Bearer|DPoP|Basic)\s+[\w.~+/=-]+/gi, "$1 [redacted]")
    .replace(/([?&](?:token|api_?key|access_token|client_secret)=)[^&\s]+/gi, "$1[redacted]")
    .slice(0, 1000);
}

/**
 * Frees the sync and empties the run's scratch. After complete listings, later incremental runs
 * read from this run's start; a full run's start dates the last full listing, and a full or delta
 * run's start is where the next delta run reads the System Log from. A run that re-listed instead
 * of reading the log breaks its continuity. A run whose removals were rejected leaves the last
 * full listing and the log's cursor as they were, so the next run proposes them again.
 */
async function closeRun(tx: Tx, run: SyncRun, { listed }: { listed: boolean }): Promise<void> {
  const kept = run.decision === "REJECTED";
  // What the run's listings showed now stands for the store; a preview wrote nothing, so the store
  // is as the last run left it.
  const synced = listed && !run.preview;
  // From the scratch about to go, as the deletions decide (Needs attention: lib/sync/attention.ts).
  if (synced && !kept) await clearGoneUsers(tx, run);
  await clearSeen(tx, run.id);
  await tx.syncRunChange.deleteMany({ where: { syncRunId: run.id } });
  await clearPreviewed(tx, run.id);
  const relisted = run.mode === "INCREMENTAL" && run.fallback !== null;
  const listings: Prisma.UserSyncUpdateManyMutationInput =
    synced && run.startedAt
      ? {
          lastSyncedFrom: run.startedAt,
          ...(run.mode === "FULL" && !kept && { lastFullSyncAt: run.startedAt }),
          ...(relisted
            ? { logCursor: null, feedPositions: Prisma.DbNull }
            : !kept && { logCursor: run.startedAt, feedPositions: run.feedPositions ?? Prisma.DbNull }),
        }
      : {};
  await tx.userSync.updateMany({
    where: { id: run.userSyncId, activeRunId: run.id },
    data: { activeRunId: null, ...listings },
  });
}

/** A run's audit event: by a member, or by no one (the schedule, Inngest, the safeguard's expiry). */
export async function auditRun(
  tx: Tx,
  run: Pick<SyncRun, "organizationId" | "id">,
  action: Extract<AuditAction, `sync-run.${string}`>,
  actorId: string | null,
  details?: Prisma.InputJsonObject,
): Promise<void> {
  await recordAudit(tx, {
    organizationId: run.organizationId,
    actorId,
    action,
    targetType: "SyncRun",
    targetId: run.id,
    ...(details && { details }),
  });
}

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
  /** A preview, which sends no email (`SyncRun.preview`; a replay of a preview is one too). */
  preview: boolean;
}

/** Why a replay did not run, in its SYNC HISTORY row. */
export const REPLAY_NOT_RUN =
  "Not run: another run of this sync was in progress when this replay started. Replay it again once that run has ended.";

/**
 * Claims the requested SyncRun for an Inngest run (its first step then starts it). A run already claimed by
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
    select: { id: true, status: true, startedAt: true, preview: true },
  });
  if (own) {
    const skipped = own.status === "CANCELLED" && own.startedAt === null;
    return { syncRunId: own.id, replay: own.id !== syncRunId, proceed: !skipped, preview: own.preview };
  }

  const claimed = await db.syncRun.updateMany({
    where: { id: syncRunId, userSyncId, organizationId, inngestRunId: null, status: "QUEUED" },
    data: { inngestRunId },
  });
  const original = await db.syncRun.findFirst({
    where: { id: syncRunId, userSyncId, organizationId },
    select: { mode: true, preview: true },
  });
  if (!original) throw new SyncRunNotFoundError(syncRunId);
  const { preview } = original;
  if (claimed.count === 1) return { syncRunId, replay: false, proceed: true, preview };
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
        preview,
        trigger: "REPLAY",
        queuedAt: now,
        inngestRunId,
        checkpoint: checkpoint as unknown as Prisma.InputJsonObject,
        ...(proceed ? {} : { status: "CANCELLED", finishedAt: now, error: REPLAY_NOT_RUN }),
      },
    });
    // Started from the Inngest dashboard, not by a member: the log still shows it.
    await auditRun(tx, { organizationId, id }, "sync-run.started", null, {
      trigger: "REPLAY",
      replayOf: syncRunId,
      ...(proceed ? {} : { notRun: REPLAY_NOT_RUN }),
    });
    return { syncRunId: id, replay: true, proceed, preview };
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

/**
 * QUEUED: the run begins: full (the first, a Full resync, or the last full listing
 * `fullSyncEveryHours` ago), else a delta run reading the System Log (CHANGES), when it was read
 * without a gap since the last full run. Without that, SYNC DATA runs full (it promises that
 * deletions show) and a scheduled run re-lists the groups whose members moved; either says why.
 */
export const startStep: Step = async (ctx, state) => {
  const { sync, now, run } = ctx;
  const source = ctx.directory.changeSource;
  const due = state.forceFull || fullSyncDue(sync, now);
  const gap = due ? null : changeLogGap(sync, now, source);
  // Without its feed, a run on a change feed lists everything: re-listing would too, blind to deletions.
  const relist = run.trigger === "SCHEDULED" && source?.kind !== "feed";
  const mode = due || (gap && !relist) ? "FULL" : "INCREMENTAL";
  // A delta run on a feed lists from the sync's positions (CHANGES is for a change log).
  const feed = source?.kind === "feed";
  const feedPositions = mode === "FULL" ? await startingPositions(ctx) : feed ? sync.feedPositions : null;
  const next = await commitStep(ctx, state, async (tx) => ({
    next: { ...state, phase: mode === "FULL" ? "GROUPS" : gap || feed ? "USERS" : "CHANGES" },
    run: {
      status: "RUNNING",
      mode,
      fallback: gap ? fallbackMessage(gap, mode, source) : null,
      feedPositions: feedPositions ?? Prisma.DbNull,
      startedAt: now,
      // The progress bar's total; unknown for an incremental run, which lists only changes.
      usersExpected:
        mode === "FULL" ? await tx.directoryUser.count({ where: { userSyncId: sync.id } }) : null,
    },
  }));
  return running(next);
};

function fullSyncDue(sync: UserSync, now: Date): boolean {
  if (!sync.lastSyncedFrom || !sync.lastFullSyncAt) return true;
  return now.getTime() - sync.lastFullSyncAt.getTime() >= sync.fullSyncEveryHours * 3600_000;
}

/** FINISHING: SUCCEEDED, or PARTIAL when some users could not be imported. */
export const finishStep: Step = async (ctx, state) => {
  const runStatus = ctx.run.usersFailed > 0 ? "PARTIAL" : "SUCCEEDED";
  await endRun(ctx, state, { status: runStatus, next: { ...state, phase: "DONE" }, listed: true });
  if (!ctx.run.preview) await refreshStatistics(ctx.db, ctx.run);
  return { status: "finished", runStatus };
};

/** Rows a run must have added or removed before it refreshes the planner's statistics. */
export const ANALYZE_AFTER_ROWS = 5000;

/**
 * After a run that added or removed many rows (a first sync, a reorganisation), refreshes
 * PostgreSQL's statistics of the tables the Users page reads, so its queries are planned for the
 * data they now hold instead of an empty table until autovacuum comes by (a minute or more; a
 * group filter took 1.4 s at 10,000 users meanwhile, 4 ms after). Runs after the run's last
 * commit; best effort (autovacuum remains). Returns whether it ran.
 */
export async function refreshStatistics(
  db: Db,
  run: Pick<SyncRun, "usersCreated" | "usersDeleted" | "membershipsAdded" | "membershipsRemoved">,
): Promise<boolean> {
  const changed = run.usersCreated + run.usersDeleted + run.membershipsAdded + run.membershipsRemoved;
  if (changed < ANALYZE_AFTER_ROWS) return false;
  try {
    await db.$executeRaw`ANALYZE "DirectoryUser", "GroupMembership", "UserGroup"`;
    return true;
  } catch {
    return false;
  }
}

/** A cancel was requested: the run ends where it stands, deleting nothing. */
export const cancelStep: Step = async (ctx, state) => {
  await endRun(ctx, state, { status: "CANCELLED", next: state, listed: false });
  return { status: "finished", runStatus: "CANCELLED" };
};

async function endRun(
  ctx: StepContext,
  state: SyncState,
  { status, next, listed }: { status: SyncRunStatus; next: SyncState; listed: boolean },
) {
  await commitStep(ctx, state, async (tx) => {
    await closeRun(tx, ctx.run, { listed });
    if (HEALTHY_STATUSES.includes(status) && !ctx.run.preview)
      await closeHealthIncident(tx, ctx.run.userSyncId);
    return { next, run: { status, finishedAt: ctx.now } };
  });
}
