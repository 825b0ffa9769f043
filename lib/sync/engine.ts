import type { SyncRun } from "@/lib/db";
import { deletionsStep } from "./deletions";
import { groupsStep } from "./groups";
import { membershipsStep } from "./memberships";
import { ACTIVE_STATUSES, cancelStep, finishStep, initialSyncState, startStep } from "./run";
import { safeguardStep } from "./safeguard";
import { CountingDirectory, StaleStepError, type Step } from "./step";
import {
  DEFAULT_STEP_BUDGET,
  type SyncDeps,
  type SyncPhase,
  type SyncState,
  type SyncStepResult,
} from "./types";
import { usersStep } from "./users";

const STEPS: Record<SyncPhase, Step> = {
  QUEUED: startStep,
  USERS: usersStep,
  GROUPS: groupsStep,
  MEMBERSHIPS: membershipsStep,
  SAFEGUARD: safeguardStep,
  DELETIONS: deletionsStep,
  FINISHING: finishStep,
  DONE: async ({ run }) => resultOf(run),
};

/**
 * Advances a run by one bounded step (one Inngest `step.run`) and says what to do next. The run
 * continues from its checkpoint; `seq` names the step the caller means, so a step retried after
 * its writes committed returns the checkpoint instead of applying twice. Directory errors
 * propagate (nothing of the step is written) so the orchestrator can retry the step.
 */
export async function advanceSync(
  deps: SyncDeps,
  runId: string,
  input: Pick<SyncState, "seq">,
): Promise<SyncStepResult> {
  const { db } = deps;
  const run = await db.syncRun.findUniqueOrThrow({ where: { id: runId }, include: { userSync: true } });
  if (!ACTIVE_STATUSES.includes(run.status) || input.seq < run.stepSeq) return resultOf(run);
  if (input.seq > run.stepSeq) throw new Error(`Run ${runId} is at step ${run.stepSeq}, not ${input.seq}`);

  const state = checkpointOf(run);
  const directory = new CountingDirectory(deps.provider);
  const ctx = {
    db,
    directory,
    now: deps.now?.() ?? new Date(),
    budget: { ...DEFAULT_STEP_BUDGET, ...deps.budget },
    run,
    sync: run.userSync,
  };
  try {
    if (run.cancelRequestedAt) return await cancelStep(ctx, state);
    return await STEPS[state.phase](ctx, state);
  } catch (error) {
    const requests = directory.takeCalls();
    if (requests > 0)
      await db.syncRun.update({ where: { id: runId }, data: { oktaRequests: { increment: requests } } });
    const current = await db.syncRun.findUniqueOrThrow({ where: { id: runId } });
    if (error instanceof StaleStepError) return resultOf(current);
    // Cancelled while the step read or waited (its reads were aborted): it ends now, not after retries.
    if (current.cancelRequestedAt && current.status === "RUNNING")
      return await cancelStep({ ...ctx, run: current }, state);
    throw error;
  }
}

/** The result a run's row stands for: what its latest applied step returned. */
function resultOf(run: SyncRun): SyncStepResult {
  if (!ACTIVE_STATUSES.includes(run.status)) return { status: "finished", runStatus: run.status };
  const state = checkpointOf(run);
  if (run.status === "BLOCKED")
    return { status: "blocked", state, pendingRemovals: run.pendingRemovals ?? 0 };
  return { status: "running", state };
}

function checkpointOf(run: SyncRun): SyncState {
  return (run.checkpoint as unknown as SyncState | null) ?? initialSyncState();
}
