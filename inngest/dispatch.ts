/**
 * The commands on a sync's runs (SYNC DATA, the schedule, Cancel, Approve/Reject): each checks the
 * organization here, once, then hands ids it trusts to the run's lifecycle (`lib/sync/run.ts`)
 * and tells Inngest.
 */
import type { MemberContext } from "@/lib/auth/member";
import type { Db, SyncTrigger } from "@/lib/db";
import { decideSafeguard, failUnstartedRuns, requestCancel, startRunRequest } from "@/lib/sync";
import { inngest } from "./client";

const EVENT_TRIGGER = { MANUAL: "manual", SCHEDULED: "scheduled", REPLAY: "replay" } as const;

/**
 * Creates the run (QUEUED, holding the sync so a second request starts nothing) and sends the
 * event that runs it, with the run's id as the event's: Inngest keeps one event per id, so a send
 * repeated after an answer was lost starts one run. A send that throws leaves the run QUEUED
 * ("unconfirmed"): Inngest may have accepted it (a 502 after it did). A run that no function
 * claims is failed by `failUnstartedRuns`, here for the sync before it is asked again, and by the
 * schedule's sweep.
 */
export async function requestSyncRun(
  db: Db,
  request: {
    organizationId: string;
    userSyncId: string;
    trigger: SyncTrigger;
    startedById: string | null;
    /** Full resync: list everything even when a delta run would do. */
    forceFull?: boolean;
    /** Preview: what SYNC DATA would do, written nowhere (lib/sync/preview.ts). */
    preview?: boolean;
  },
): Promise<"started" | "unconfirmed" | "already-running" | "not-found"> {
  const owned = await db.userSync.count({
    where: { id: request.userSyncId, organizationId: request.organizationId },
  });
  if (!owned) return "not-found";
  await failUnstartedRuns(db, new Date(), request.userSyncId);
  // SYNC DATA reads what changed from the System Log (deletions included, the help page's
  // promise) or lists everything when it cannot (startStep); Full resync always lists everything.
  const result = await startRunRequest(db, request);
  if (!result.started) return "already-running";
  const { run } = result;
  try {
    await inngest.send({
      id: run.id,
      name: "user-sync/run.requested",
      data: {
        organizationId: run.organizationId,
        userSyncId: run.userSyncId,
        syncRunId: run.id,
        trigger: EVENT_TRIGGER[run.trigger],
      },
    });
  } catch (error) {
    console.error(`Inngest did not confirm the event of sync run ${run.id}: ${(error as Error).message}`);
    return "unconfirmed";
  }
  return "started";
}

/** Cancels a run of the member's organization. A run that was waiting (queued or blocked) ends now. */
export async function cancelSyncRun(db: Db, member: MemberContext, syncRunId: string) {
  const run = await db.syncRun.findFirst({ where: { id: syncRunId, organizationId: member.organizationId } });
  if (!run) return "not-active" as const;
  const outcome = await requestCancel(db, run.id, member.userId);
  // A running run stops within about a second (its step polls for the cancel); a waiting one is ended here, so wake its function.
  if (outcome === "cancelled")
    await inngest.send({ id: `cancel-${run.id}`, name: "user-sync/run.cancel", data: { syncRunId: run.id } });
  return outcome;
}

/** Records an Owner's or Administrator's answer to the safeguard (and its audit event), then wakes the waiting run. */
export async function decideSyncRun(
  db: Db,
  member: MemberContext,
  syncRunId: string,
  decision: "approve" | "reject",
) {
  const run = await db.syncRun.findFirst({ where: { id: syncRunId, organizationId: member.organizationId } });
  if (!run || !(await decideSafeguard(db, run.id, decision, member.userId))) return false;
  await inngest.send({
    id: `decision-${run.id}`,
    name: "user-sync/run.decision",
    data: { syncRunId: run.id, decision, decidedById: member.userId },
  });
  return true;
}
