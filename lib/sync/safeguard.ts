import type { Db } from "@/lib/db";
import { countRemovals } from "./deletions";
import { auditRun } from "./run";
import { commitStep, running, type Step } from "./step";

export type SafeguardDecision = "approve" | "reject";

/** SyncRun.decision values. */
const APPROVED = "APPROVED";
const REJECTED = "REJECTED";

/**
 * SAFEGUARD: nothing has been removed yet. A run that would remove more than `safeguardPercent` %
 * of the sync's users, of its groups or of its memberships stops (BLOCKED, `pendingRemovals`,
 * `pendingGroupRemovals` and `pendingMembershipRemovals` set) until an Owner or Administrator
 * decides. Approved: the removals apply. Rejected: the run finishes without removing anything,
 * with its normal status; `decision` = REJECTED and the pending counts tell the history what was kept.
 */
export const safeguardStep: Step = async (ctx, state) => {
  const { run, sync } = ctx;
  if (run.status === "BLOCKED") {
    if (!run.decision) return { status: "blocked", state, pendingRemovals: run.pendingRemovals ?? 0 };
    const next = await commitStep(ctx, state, async () => ({
      next: { ...state, phase: run.decision === APPROVED ? "DELETIONS" : "FINISHING" },
      run: { status: "RUNNING" },
    }));
    return running(next);
  }

  const { removals, population } = await countRemovals(ctx.db, run, sync);
  const kinds = ["users", "groups", "memberships"] as const;
  const pending = {
    pendingRemovals: removals.users,
    pendingGroupRemovals: removals.groups,
    pendingMembershipRemovals: removals.memberships,
  };
  const stops = kinds.some((kind) => removals[kind] * 100 > sync.safeguardPercent * population[kind]);
  if (stops && !run.preview) {
    const next = await commitStep(ctx, state, async () => ({
      next: state,
      run: { status: "BLOCKED", ...pending },
    }));
    return { status: "blocked", state: next, pendingRemovals: removals.users };
  }
  // A preview does not stop: it records that SYNC DATA would, and lists the removals all the same.
  const any = kinds.some((kind) => removals[kind] > 0);
  const next = await commitStep(ctx, state, async () => ({
    next: { ...state, phase: any ? "DELETIONS" : "FINISHING" },
    ...(stops && { run: pending }),
  }));
  return running(next);
};

/**
 * Records an Owner's or Administrator's decision on a blocked run (the caller checks the role and
 * the organization); `decidedBy` null when no one decided in time. The next `advanceSync` acts on
 * it. False when the run is not waiting for a decision (decided already, cancelled, or not blocked).
 */
export async function decideSafeguard(
  db: Db,
  runId: string,
  decision: SafeguardDecision,
  decidedById: string | null,
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.syncRun.updateMany({
      where: { id: runId, status: "BLOCKED", decision: null },
      data: { decision: decision === "approve" ? APPROVED : REJECTED, decidedById, decidedAt: new Date() },
    });
    if (count === 0) return false;
    const { organizationId } = await tx.syncRun.findUniqueOrThrow({
      where: { id: runId },
      select: { organizationId: true },
    });
    // Recorded with the decision, whoever made it: a member, or the wait that expired.
    await auditRun(
      tx,
      { id: runId, organizationId },
      decision === "approve" ? "sync-run.approved" : "sync-run.rejected",
      decidedById,
      decidedById ? undefined : { reason: "No Owner or Administrator decided in time." },
    );
    return true;
  });
}

/** Whether a blocked run has its answer (or is no longer waiting, e.g. cancelled). */
export async function safeguardSettled(db: Db, runId: string): Promise<boolean> {
  const run = await db.syncRun.findUniqueOrThrow({
    where: { id: runId },
    select: { status: true, decision: true },
  });
  return run.status !== "BLOCKED" || run.decision !== null;
}
