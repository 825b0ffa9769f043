import type { SyncRunMode } from "@/lib/db/generated/enums";

/**
 * How a run read Okta, as its page, SYNC HISTORY and its report say it: the System Log's changes
 * (a delta run, `readsChangeLog` in lib/sync/changes.ts), the listings of what changed because
 * the log could not be used (an incremental run with a `fallback`), or every user and group.
 * Free of server imports: the live progress uses it too.
 */
export type OktaReading = "delta" | "relisting" | "full";

export function oktaReading(run: { mode: SyncRunMode; fallback: string | null }): OktaReading {
  if (run.mode === "FULL") return "full";
  return run.fallback === null ? "delta" : "relisting";
}

export const OKTA_READING_LABEL: Record<OktaReading, string> = {
  delta: "Delta (System Log)",
  relisting: "Incremental (re-listing)",
  full: "Full",
};

/** The label, or null for a run that has not started (its mode is decided by its first step). */
export function oktaReadingLabel(run: {
  mode: SyncRunMode;
  fallback: string | null;
  startedAt: Date | string | null;
}): string | null {
  return run.startedAt ? OKTA_READING_LABEL[oktaReading(run)] : null;
}
