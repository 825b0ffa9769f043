/**
 * The user-sync engine: plain functions the Inngest function calls, one per `step.run`.
 * See engine.ts for how a run advances and run.ts for its lifecycle.
 */
export { type DirectoryShape, estimateSyncSteps, pagesFor } from "./capacity";
export { advanceSync } from "./engine";
export { markInvited, pendingInvitations } from "./enrollment";
export {
  failRun,
  initialSyncState,
  requestCancel,
  type StartRunRequest,
  type StartRunResult,
  startRunRequest,
} from "./run";
export { decideSafeguard, type SafeguardDecision, safeguardSettled } from "./safeguard";
export {
  DEFAULT_STEP_BUDGET,
  type StepBudget,
  type SyncDeps,
  type SyncPhase,
  type SyncState,
  type SyncStepResult,
} from "./types";
