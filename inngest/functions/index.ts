import { userSyncRunCancelled } from "./user-sync-cancelled";
import { userSyncRun } from "./user-sync-run";
import { userSyncSchedule } from "./user-sync-schedule";

/** Every function the app serves at /api/inngest. */
export const functions = [userSyncRun, userSyncRunCancelled, userSyncSchedule];
