import { formatDuration } from "@/emails/components/format";
import type { SyncRun } from "@/lib/db";
import { ACTIVE_STATUSES } from "./active-statuses";
import { changesStep } from "./changes";
import { deletionsStep } from "./deletions";
import { groupsStep } from "./groups";
import { membershipsStep } from "./memberships";
import { cancelStep, failRun, finishStep, initialSyncState, startStep } from "./run";
import { safeguardStep } from "./safeguard";
import { CountingDirectory, StaleStepError, type Step } from "./step";
import {
  DEFAULT_STEP_BUDGET,
  RATE_LIMIT_WAIT_BUDGET_MS,
  type SyncDeps,
  type SyncPhase,
  type SyncState,
  type SyncStepResult,
} from "./types";
import { usersStep } from "./users";

const STEPS: Record<SyncPhase, Step> = {
  QUEUED: startStep,
  CHANGES: changesStep,
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
  const waitBudgetMs = deps.rateLimitWaitBudgetMs ?? RATE_LIMIT_WAIT_BUDGET_MS;
  try {
    if (run.cancelRequestedAt) return await cancelStep(ctx, state);
    // Each wait and each step's waits are capped by the client; this caps a run's, so a directory
    // that keeps asking for waits under those caps cannot hold the sync for hours.
    if (run.rateLimitWaitMs > waitBudgetMs) {
      await failRun(
        db,
        runId,
        new Error(
          `Okta's rate limits held this run for ${formatDuration(run.rateLimitWaitMs)}, longer than a sync waits (${formatDuration(waitBudgetMs)}). Other integrations may be using the org's API limits: try again later.`,
        ),
      );
      return resultOf(await db.syncRun.findUniqueOrThrow({ where: { id: runId } }));
    }
    return await STEPS[state.phase](ctx, state);
  } catch (error) {
    const usage = directory.takeUsage();
    if (usage.oktaRequests > 0 || usage.rateLimitWaitMs > 0)
      await db.syncRun.update({
        where: { id: runId },
        data: {
          oktaRequests: { increment: usage.oktaRequests },
          rateLimitWaitMs: { increment: usage.rateLimitWaitMs },
        },
      });
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
