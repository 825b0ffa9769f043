import type { Db, SyncRunStatus } from "@/lib/db";
import type { DirectoryProvider } from "@/lib/directory/types";

/**
 * The phases of a run, in order. The run row's `phase` is the phase its next step works in, so
 * the history page shows where a run is (or where it stopped).
 */
export type SyncPhase =
  | "QUEUED"
  | "CHANGES"
  | "USERS"
  | "GROUPS"
  | "MEMBERSHIPS"
  | "SAFEGUARD"
  | "DELETIONS"
  | "FINISHING"
  | "DONE";

/**
 * Where a run stands between two steps: small and JSON-safe, never a list of users. The copy on
 * the SyncRun row (`checkpoint`) is authoritative; a step returns it so the caller can pass `seq`
 * back.
 */
export interface SyncState {
  /** Steps applied so far: the next step is `seq`, and a retried step is recognised by it. */
  seq: number;
  phase: SyncPhase;
  /** CHANGES, USERS and GROUPS: the directory's cursor for the next page; null at the start. */
  cursor: string | null;
  /** MEMBERSHIPS: groups are reconciled in id order, and those up to this id are done. */
  afterGroupId: string | null;
  /** MEMBERSHIPS: the next group's member listing, begun in an earlier step. */
  memberCursor: { groupId: string; cursor: string } | null;
  /** List everything even when an incremental run is due (set by startRunRequest). */
  forceFull: boolean;
}

/** What the caller of `advanceSync` does next. */
export type SyncStepResult =
  /** Call `advanceSync` again with this state. */
  | { status: "running"; state: SyncState }
  /** The safeguard stopped the run: wait for a decision (decideSafeguard) or a cancel, then call again. */
  | { status: "blocked"; state: SyncState; pendingRemovals: number }
  /** The run ended; nothing more to call. */
  | { status: "finished"; runStatus: SyncRunStatus };

/** How much work one step may do: a few directory pages, so a step takes seconds, not minutes. */
export interface StepBudget {
  /** User pages per step (200 users each from Okta). */
  userPages: number;
  groupPages: number;
  /** Member pages per step, across as many groups as they cover (each group needs one at least). */
  memberPages: number;
  /** Users removed (deleted or deprovisioned) per step. */
  removals: number;
  /** System Log pages per step (1,000 changes each from Okta). */
  logPages: number;
}

export const DEFAULT_STEP_BUDGET: StepBudget = {
  userPages: 10,
  groupPages: 5,
  memberPages: 60,
  removals: 2000,
  logPages: 10,
};

export interface SyncDeps {
  db: Db;
  provider: DirectoryProvider;
  now?: () => Date;
  budget?: Partial<StepBudget>;
  /** What a run may wait on the directory's rate limits in all (default RATE_LIMIT_WAIT_BUDGET_MS). */
  rateLimitWaitBudgetMs?: number;
}

/**
 * A run's rate-limit waits in all before it fails: Okta's limits reset every minute, and a first
 * sync of 100,000 users under them waits about 3 minutes (docs/benchmarks.md), so half an hour
 * means the org's limits are spent elsewhere or Okta is misbehaving.
 */
export const RATE_LIMIT_WAIT_BUDGET_MS = 30 * 60_000;

/**
 * Incremental listings start this long before the previous run's start, for clock skew; a delta
 * run reads the System Log from this long before its cursor, for events Okta publishes late.
 */
export const INCREMENTAL_OVERLAP_MS = 5 * 60 * 1000;

/** The directory's status of a deactivated user, and the dashboard's status of a deprovisioned one. */
export const DEPROVISIONED = "DEPROVISIONED";
