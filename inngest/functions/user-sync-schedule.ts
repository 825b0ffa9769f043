import { getDb } from "@/lib/db";
import { sendHealthAlert, sendSyncReport } from "@/lib/email/sync-emails";
import { detectHealthIncidents, failUnstartedRuns } from "@/lib/sync";
import { dueUserSyncs } from "@/lib/sync/schedule";
import { inngest } from "../client";
import { requestSyncRun } from "../dispatch";

/**
 * Every 15 minutes: fails the runs no function picked up (their event was lost) and reports them,
 * checks the scheduled syncs' health (a sync gone too long without success; an alert a failed send
 * still owes) and sends each incident's one alert, then starts the hourly and daily syncs that are
 * due (their report goes to the sync's owner).
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
    const alerts = await step.run("check-health", () => detectHealthIncidents(getDb(), new Date()));
    for (const userSyncId of alerts) {
      await step.run(`health-alert-${userSyncId}`, async () => {
        await sendHealthAlert(getDb(), userSyncId);
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
