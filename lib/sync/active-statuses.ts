import type { SyncRunStatus } from "@/lib/db/generated/enums";

/** A run in these states holds its sync (`UserSync.activeRunId`). Pure: client components use it too. */
export const ACTIVE_STATUSES: SyncRunStatus[] = ["QUEUED", "RUNNING", "BLOCKED"];

export const isActiveStatus = (status: SyncRunStatus) => ACTIVE_STATUSES.includes(status);
