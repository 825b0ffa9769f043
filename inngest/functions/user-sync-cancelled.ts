import { z } from "zod";
import { getDb } from "@/lib/db";
import { sendSyncReport } from "@/lib/email/sync-emails";
import { markInngestRunCancelled } from "@/lib/sync/run";
import { inngest, userSyncRunRequested } from "../client";
import { userSyncRun } from "./user-sync-run";

/** What this function reads of `inngest/function.cancelled`: the run, and the event that started it. */
const cancelledRun = z.object({
  run_id: z.string().min(1),
  event: z.object({ data: userSyncRunRequested.schema }),
});

/**
 * A `user-sync/run` run cancelled in Inngest (its dashboard, API, bulk cancel): no step of it runs
 * again, so its SyncRun is ended here, CANCELLED, its sync freed, and reported. Inngest sends
 * `inngest/function.cancelled` for every cancel (the SDK has no `onCancellation`); a run the app's
 * Cancel had already ended is left as it is.
 */
export const userSyncRunCancelled = inngest.createFunction(
  {
    id: "user-sync/run-cancelled",
    name: "User sync run cancelled in Inngest",
    triggers: [
      {
        event: "inngest/function.cancelled",
        if: `event.data.function_id == '${userSyncRun.id(inngest.id)}'`,
      },
    ],
  },
  async ({ event, step }) => {
    const parsed = cancelledRun.safeParse(event.data);
    // Not a run of a sync (an event from elsewhere): nothing of ours to end.
    if (!parsed.success) return { syncRunId: null };
    const { run_id, event: requested } = parsed.data;
    const syncRunId = await step.run("mark-run-cancelled", () =>
      markInngestRunCancelled(getDb(), {
        inngestRunId: run_id,
        userSyncId: requested.data.userSyncId,
        syncRunId: requested.data.syncRunId,
      }),
    );
    if (syncRunId) {
      await step.run("send-report", async () => {
        await sendSyncReport(getDb(), syncRunId);
      });
    }
    return { syncRunId };
  },
);
