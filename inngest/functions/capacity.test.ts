import { describe, expect, it } from "vitest";
import { INVITATIONS_PER_CALL } from "@/lib/email/enrollment-invitations";
import { estimateSyncSteps, MAX_LOGGED_CHANGES, pagesFor } from "@/lib/sync";
import { MAX_EVENT_BYTES, MAX_STATE_BYTES, MAX_STEPS } from "@/scripts/inngest-runner/limits";
import { resolveTime } from "@/scripts/inngest-runner/time";
import { estimateRunStateBytes, estimateRunSteps } from "./capacity";
import { SAFEGUARD_WAITS } from "./user-sync-run";

const WEEK_MS = 7 * 24 * 3_600_000;
/** Okta's page size (`limit=200`) for users and groups; members are read 1,000 a page, or 200 when those fail. */
const PAGE = 200;
/** System Log events a page. */
const LOG_PAGE = 1000;

describe("the step budget of user-sync/run", () => {
  it("waits a week at the safeguard, in waits short enough at first for an admin watching the run", () => {
    let elapsed = 0;
    for (const wait of SAFEGUARD_WAITS) elapsed = resolveTime(wait, elapsed);
    expect(elapsed).toBe(WEEK_MS);
    // A decision's event wakes the wait at once; one sent just before a wait began is seen by the
    // check that starts the next wait, so it is late by the length of that wait at most.
    expect(resolveTime(SAFEGUARD_WAITS[0] ?? "", 0)).toBeLessThanOrEqual(10_000);
    expect(Math.max(...SAFEGUARD_WAITS.map((wait) => resolveTime(wait, 0)))).toBeLessThanOrEqual(
      6 * 3_600_000,
    );
  });

  it("the largest supported run stays under Inngest's 1,000 steps and 32 MB of state", () => {
    // 250,000 users in 5,000 groups and Everyone; 3 memberships a user besides Everyone's, as in
    // the benchmark's org (100,000 users, 300,000 memberships). Whatever the groups' sizes, their
    // member pages are at most a page per group plus a page per 200 memberships. Everyone's
    // members come from the database, but are counted here as if listed.
    const users = 250_000;
    const groups = 5_001;
    const memberships = 3 * users + users;
    // The directory replaced wholesale: every user listed is new (and invited), and the 250,000
    // users of the previous run are gone: the safeguard holds the run for the whole week, and an
    // approval in its last wait lets the removals through. SYNC DATA first read the System Log
    // until it held more changes than a listing costs, then fell back to a full run.
    const org = (removals: number) => ({
      logPages: MAX_LOGGED_CHANGES / LOG_PAGE + 1,
      userPages: pagesFor(users, PAGE),
      groupPages: pagesFor(groups, PAGE),
      memberPages: groups + memberships / PAGE,
      removals,
    });
    const syncSteps = estimateSyncSteps(org(users));
    expect(syncSteps).toBe(1 + 11 + 125 + 6 + 167 + 1 + 125 + 1);
    const steps = estimateRunSteps({ syncSteps, safeguardWaits: SAFEGUARD_WAITS.length, invitations: users });
    expect(users / INVITATIONS_PER_CALL).toBe(250);
    // start-run and send-report, the sync, the safeguard (alert, 32 checks and waits, expiry, resume), invitations.
    expect(steps).toBe(2 + 437 + (3 + 2 * 32) + 250);
    expect(steps).toBeLessThan(MAX_STEPS * 0.8);

    // Every saved result counts toward the state, the event too (at most 256 KB, or Inngest refuses it).
    expect(estimateRunStateBytes(steps, MAX_EVENT_BYTES)).toBeLessThan(MAX_STATE_BYTES / 8);
    // At Inngest's 1,000 steps, a run's state would pass 32 MB only with steps of ~33 KB each.
    expect(estimateRunStateBytes(MAX_STEPS, MAX_EVENT_BYTES)).toBeLessThan(MAX_STATE_BYTES);

    // Without the safeguard, a first sync of the same org.
    const first = estimateRunSteps({ syncSteps: estimateSyncSteps(org(0)), invitations: users });
    expect(first).toBe(1 + (1 + 11 + 125 + 6 + 167 + 1 + 0 + 1) + 250 + 1);
  });
});
