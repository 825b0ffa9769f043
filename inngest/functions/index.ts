import { userSyncRun } from "./user-sync-run";

/** Every function the app serves at /api/inngest. */
export const functions = [userSyncRun];
