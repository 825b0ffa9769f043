import { type GetStepTools, NonRetriableError } from "inngest";
import { getDb, type SyncRunStatus } from "@/lib/db";
import { isPermanentFailure } from "@/lib/directory/types";
import { sendEnrollmentInvitations } from "@/lib/email/enrollment-invitations";
import { sendHealthAlert, sendSafeguardAlert, sendSyncReport } from "@/lib/email/sync-emails";
import { retryCannotFix } from "@/lib/okta/errors";
import {
  advanceSync,
  decideSafeguard,
  detectHealthIncident,
  type SyncState,
  safeguardSettled,
  untilCancelled,
} from "@/lib/sync";
import { markInngestRunFailed, markRunStarted, SyncRunNotFoundError } from "@/lib/sync/run";
import { directoryFor } from "@/lib/user-sync/directory";
import { inngest, userSyncRunRequested } from "../client";

/**
 * The waits of a run blocked by the safeguard, a week in all, ending 10 s, 1 min, 10 min, 1 h and
 * 6 h after the alert, then every 6 h: 32 waits, 64 steps of Inngest's 1,000 (capacity.test.ts).
 * The decision's event ends a wait at once; only an event sent just before a wait began waits for
 * the check that starts the next one, a wait later at most.
 */
export const SAFEGUARD_WAITS = ["10s", "50s", "9m", "50m", "5h", ...Array<string>(27).fill("6h")];

/**
 * One sync run, one at a time per sync. Orchestration only: each step calls one lib/ function
 * and returns a small JSON value (a checkpoint, counts); the data goes straight to the database.
 */
export const userSyncRun = inngest.createFunction(
  {
    id: "user-sync/run",
    name: "User sync run",
    triggers: [userSyncRunRequested],
    concurrency: { key: "event.data.userSyncId", limit: 1 },
    // Only sent for a run already ended in the database (queued or waiting at the safeguard).
    cancelOn: [{ event: "user-sync/run.cancel", if: "async.data.syncRunId == event.data.syncRunId" }],
    retries: 6,
    onFailure: async ({ event, error, step }) => {
      const failed = event.data.event;
      const syncRunId = await step.run("mark-run-failed", () =>
        markInngestRunFailed(getDb(), {
          inngestRunId: event.data.run_id,
          userSyncId: String(failed.data.userSyncId),
          syncRunId: String(failed.data.syncRunId),
          error: error.message,
        }),
      );
      // No report when the event named no run of this sync: there is nothing to report on.
      if (syncRunId) {
        await step.run("send-report", async () => {
          await sendSyncReport(getDb(), syncRunId);
        });
        await checkHealth(step, String(failed.data.userSyncId));
      }
    },
  },
  async ({ event, step, runId }) => {
    const { syncRunId, replay, proceed, preview } = await step.run("start-run", async () => {
      try {
        return await markRunStarted(getDb(), { ...event.data, inngestRunId: runId });
      } catch (error) {
        if (error instanceof SyncRunNotFoundError)
          throw new NonRetriableError(error.message, { cause: error });
        throw error;
      }
    });

    // A replay that found another run holding the sync ended at once (its row says why).
    if (!proceed) return { syncRunId, replay };

    let state: Pick<SyncState, "seq"> = { seq: 0 };
    let ended: SyncRunStatus | undefined;
    for (let i = 0; ; i++) {
      const result = await step.run(`sync-${i}`, async () => {
        const db = getDb();
        try {
          return await untilCancelled(db, syncRunId, async (signal) =>
            advanceSync(
              { db, provider: await directoryFor(db, event.data.userSyncId, { signal }) },
              syncRunId,
              state,
            ),
          );
        } catch (error) {
          // A wrong token, or a wait past the caps: retrying would fail again, so the run fails now.
          if (retryCannotFix(error) || isPermanentFailure(error)) {
            throw new NonRetriableError((error as Error).message, { cause: error });
          }
          throw error;
        }
      });
      if (result.status === "finished") {
        ended = result.runStatus;
        break;
      }
      if (result.status === "blocked") {
        await step.run(`safeguard-alert-${i}`, async () => {
          await sendSafeguardAlert(getDb(), syncRunId);
        });
        // The decision is recorded in the database before its event is sent. An event sent just
        // before a wait began is missed, so each wait starts by reading the database: a missed event
        // delays the run by one wait at most.
        for (const [w, timeout] of SAFEGUARD_WAITS.entries()) {
          if (await step.run(`safeguard-settled-${i}-${w}`, () => safeguardSettled(getDb(), syncRunId)))
            break;
          await step.waitForEvent(`safeguard-decision-${i}-${w}`, {
            event: "user-sync/run.decision",
            if: "async.data.syncRunId == event.data.syncRunId",
            timeout,
          });
        }
        // No answer in a week: nobody is removed (a recorded decision stands; this changes nothing then).
        await step.run(`safeguard-expire-${i}`, () => decideSafeguard(getDb(), syncRunId, "reject", null));
      }
      state = result.state;
    }

    // A preview wrote no user to invite, and its report is its page.
    if (preview) return { syncRunId, replay };
    for (let i = 0; ; i++) {
      const { remaining } = await step.run(`enrollment-emails-${i}`, () =>
        sendEnrollmentInvitations(getDb(), event.data.userSyncId),
      );
      if (!remaining) break;
    }
    await step.run("send-report", async () => {
      await sendSyncReport(getDb(), syncRunId);
    });
    // A run that failed in a step (past Okta's rate-limit budget) ends here, not in onFailure.
    if (ended === "FAILED") await checkHealth(step, event.data.userSyncId);
    return { syncRunId, replay };
  },
);

/** After a run failed: whether the sync's failures now open a health incident, and its one alert. */
async function checkHealth(step: GetStepTools<typeof inngest>, userSyncId: string) {
  if (await step.run("check-health", () => detectHealthIncident(getDb(), userSyncId, new Date())))
    await step.run("health-alert", async () => {
      await sendHealthAlert(getDb(), userSyncId);
    });
}
