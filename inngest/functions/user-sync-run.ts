import { NonRetriableError } from "inngest";
import { getDb } from "@/lib/db";
import {
  markInngestRunFailed,
  markRunFinished,
  markRunStarted,
  SyncRunNotFoundError,
} from "@/lib/sync/run-record";
import { inngest, userSyncRunRequested } from "../client";

/**
 * One sync run. One at a time per sync (concurrency keyed by the sync). For now it records start
 * and finish; the sync's steps go between them, each a call to one lib/sync function.
 */
export const userSyncRun = inngest.createFunction(
  {
    id: "user-sync/run",
    name: "User sync run",
    triggers: [userSyncRunRequested],
    concurrency: { key: "event.data.userSyncId", limit: 1 },
    onFailure: async ({ event, error, runId, step }) => {
      const failed = event.data.event;
      await step.run("mark-run-failed", () =>
        markInngestRunFailed(getDb(), {
          inngestRunId: event.data.run_id,
          syncRunId: String(failed.data.syncRunId),
          error: error.message,
        }),
      );
      return { failedRunId: event.data.run_id, handledBy: runId };
    },
  },
  async ({ event, step, runId }) => {
    const run = await step.run("start-run", async () => {
      try {
        return await markRunStarted(getDb(), { ...event.data, inngestRunId: runId });
      } catch (error) {
        if (error instanceof SyncRunNotFoundError)
          throw new NonRetriableError(error.message, { cause: error });
        throw error;
      }
    });
    await step.run("finish-run", () => markRunFinished(getDb(), run.syncRunId, "SUCCEEDED"));
    return run;
  },
);
