import { getDb } from "@/lib/db";
import { sendSyncReport } from "@/lib/email/sync-emails";
import { failUnstartedRuns } from "@/lib/sync";
import { dueUserSyncs } from "@/lib/sync/schedule";
import { inngest } from "../client";
import { requestSyncRun } from "../dispatch";

/**
 * Every 15 minutes: fails the runs no function picked up (their event was lost) and reports them,
 * then starts the hourly and daily syncs that are due (their report goes to the sync's owner).
 */
export const userSyncSchedule = inngest.createFunction(
  { id: "user-sync/schedule", name: "Scheduled user syncs", triggers: { cron: "*/15 * * * *" } },
  async ({ step }) => {
    const lost = await step.run("fail-unstarted-runs", () => failUnstartedRuns(getDb(), new Date()));
    for (const syncRunId of lost) {
      await step.run(`report-${syncRunId}`, async () => {
        await sendSyncReport(getDb(), syncRunId);
      });
    }
    const due = await step.run("find-due-syncs", () => dueUserSyncs(getDb(), new Date()));
    for (const sync of due) {
      await step.run(`start-${sync.id}`, () =>
        requestSyncRun(getDb(), {
          organizationId: sync.organizationId,
          userSyncId: sync.id,
          trigger: "SCHEDULED",
          startedById: null,
        }),
      );
    }
    return { started: due.length };
  },
);
