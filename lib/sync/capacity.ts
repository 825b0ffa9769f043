import { DEFAULT_STEP_BUDGET, type StepBudget } from "./types";

/** A directory as a sync reads it: pages as the provider serves them, and the users to remove. */
export interface DirectoryShape {
  userPages: number;
  groupPages: number;
  /** Member pages summed over the groups to reconcile; a group with no members costs one. */
  memberPages: number;
  removals: number;
  /** System Log pages a delta run reads (CHANGES) before it lists, or falls back and lists in full. */
  logPages?: number;
}

/** Pages of a listing of `items` (an empty listing is one page). */
export const pagesFor = (items: number, pageSize: number) => Math.max(1, Math.ceil(items / pageSize));

/**
 * The `advanceSync` steps of a run (one Inngest step each), not counting a safeguard wait:
 * start, the System Log's pages, the users, groups and memberships listings at their page budgets,
 * the safeguard check, the removals, finish. Users, groups and removals steps fill their budgets, so those counts are
 * exact; a memberships step reads its budget at least (whole groups, up to twice the budget), so
 * its count is at most this when the directory's member counts are right. A full run reads
 * member pages alongside its users steps, so its memberships steps are fewer still (one at least).
 */
export function estimateSyncSteps(shape: DirectoryShape, budget: StepBudget = DEFAULT_STEP_BUDGET): number {
  return (
    1 +
    Math.ceil((shape.logPages ?? 0) / budget.logPages) +
    Math.ceil(Math.max(1, shape.userPages) / budget.userPages) +
    Math.ceil(Math.max(1, shape.groupPages) / budget.groupPages) +
    Math.ceil(Math.max(1, shape.memberPages) / budget.memberPages) +
    1 +
    Math.ceil(shape.removals / budget.removals) +
    1
  );
}
