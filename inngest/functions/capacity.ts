import { INVITATIONS_PER_CALL } from "@/lib/email/enrollment-invitations";
import { SAFEGUARD_WAITS } from "./user-sync-run";

/** A run of `user-sync/run`, as far as its step count goes. */
export interface RunShape {
  /** The engine's `sync-N` steps, the safeguard's stop included (`estimateSyncSteps`). */
  syncSteps: number;
  /**
   * Stopped by the safeguard: the waits it went through before a check found the answer
   * (`SAFEGUARD_WAITS.length` when nobody answered in time).
   */
  safeguardWaits?: number;
  /** Enrollment invitations the run sends (Send Enrollment Email). */
  invitations: number;
}

/**
 * The steps Inngest counts for a run of `user-sync/run` (each `step.run` and `step.waitForEvent`
 * saved; at most 1,000): `start-run`, the engine's steps, the safeguard's, `enrollment-emails-N`
 * and `send-report`. See lib/sync/README.md, "Steps and state of a run".
 */
export function estimateRunSteps({ syncSteps, safeguardWaits, invitations }: RunShape): number {
  const safeguard =
    safeguardWaits === undefined
      ? 0
      : 1 + // safeguard-alert-N
        // safeguard-settled-N-W before each wait, and once more after a wait that was not the last
        Math.min(safeguardWaits + 1, SAFEGUARD_WAITS.length) +
        safeguardWaits + // safeguard-decision-N-W (step.waitForEvent)
        1 + // safeguard-expire-N
        1; // the sync-N that acts on the decision
  const enrollment = Math.max(1, Math.ceil(invitations / INVITATIONS_PER_CALL));
  return 1 + syncSteps + safeguard + enrollment + 1;
}

/**
 * A bound on the result a step saves, well above what the largest needs: a sync step's state is
 * under 400 bytes and a directory cursor (an Okta `next` link, about 200; lib/sync/capacity.test.ts).
 * Every other step returns less: a boolean, counts, ids, or the decision's event.
 */
export const MAX_STEP_RESULT_BYTES = 4 * 1024;

/** A bound on a run's state as Inngest counts it: its event and every saved step result. */
export const estimateRunStateBytes = (steps: number, eventBytes: number) =>
  eventBytes + steps * MAX_STEP_RESULT_BYTES;
