import { eventType, Inngest } from "inngest";
import { z } from "zod";
import { developmentSwitchOn } from "@/lib/dev-switches";

/**
 * Sent by `SYNC DATA`, the schedule and replays, after the SyncRun row is created (QUEUED).
 * `trigger` is how it was asked for; a replay from the Inngest dashboard re-sends the original
 * event unchanged, so the function tells replays by the SyncRun's state (lib/sync/run.ts).
 */
export const userSyncRunRequested = eventType("user-sync/run.requested", {
  schema: z.object({
    organizationId: z.string().min(1),
    userSyncId: z.string().min(1),
    syncRunId: z.string().min(1),
    trigger: z.enum(["manual", "scheduled", "replay"]),
  }),
});

/** Wakes a run that waits at the safeguard after it was cancelled (the row is already CANCELLED). */
export const userSyncRunCancel = eventType("user-sync/run.cancel", {
  schema: z.object({ syncRunId: z.string().min(1) }),
});

/** An Owner's or Administrator's answer to a run held by the deletion safeguard. */
export const userSyncRunDecision = eventType("user-sync/run.decision", {
  schema: z.object({
    syncRunId: z.string().min(1),
    decision: z.enum(["approve", "reject"]),
    decidedById: z.string().min(1).optional(),
  }),
});

/**
 * Cloud mode by default (INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY); INNGEST_DEV=1 or
 * INNGEST_DEV=<url> selects a dev server or the local runner (inngest/README.md). Dev mode serves
 * unsigned requests, so it is decided here, once, and refused in production (lib/dev-switches.ts).
 */
export const inngest = new Inngest({
  id: "okta-workspace-user-sync",
  isDev: developmentSwitchOn("INNGEST_DEV"),
});
