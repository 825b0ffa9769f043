/**
 * The user-sync engine: plain functions the Inngest function calls, one per `step.run`.
 * README.md describes a run, its exactly-once steps and the Inngest loop.
 */

export { ACTIVE_STATUSES } from "./active-statuses";
export { type DirectoryShape, estimateSyncSteps, pagesFor } from "./capacity";
export { MAX_LOGGED_CHANGES, readsChangeLog } from "./changes";
export { advanceSync } from "./engine";
export {
  DEFAULT_ALERT_AFTER_FAILURES,
  DEFAULT_ALERT_AFTER_HOURS,
  detectHealthIncident,
  detectHealthIncidents,
  type HealthIncident,
  listHealthIncidents,
} from "./health";
export {
  failRun,
  failUnstartedRuns,
  QUEUE_TIMEOUT_MS,
  requestCancel,
  type StartRunRequest,
  type StartRunResult,
  startRunRequest,
  untilCancelled,
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
