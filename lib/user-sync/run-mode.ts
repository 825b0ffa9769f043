import type { SyncProvider, SyncRunMode } from "@/lib/db/generated/enums";

/**
 * How a run read its directory, as its page, SYNC HISTORY and its report say it: what changed,
 * from the change log or feed (a delta run, `readsChangeLog` in lib/sync/changes.ts), the listings
 * of what changed because it could not be used (an incremental run with a `fallback`), or every
 * user and group.
 * Free of server imports: the live progress uses it too.
 */
export type RunReading = "delta" | "relisting" | "full";

export function runReading(run: { mode: SyncRunMode; fallback: string | null }): RunReading {
  if (run.mode === "FULL") return "full";
  return run.fallback === null ? "delta" : "relisting";
}

export const RUN_READING_LABEL: Record<Exclude<RunReading, "delta">, string> = {
  relisting: "Incremental (re-listing)",
  full: "Full",
};

/**
 * How each directory's runs name where a delta run reads what changed: Okta's System Log,
 * Microsoft Graph's delta queries; Google Workspace has no such source (its runs list everything).
 */
export const CHANGE_SOURCE: Record<
  SyncProvider,
  { directory: string; delta: string; changesRead: string; notUsed: string }
> = {
  OKTA: {
    directory: "Okta",
    delta: "Delta (System Log)",
    changesRead: "System Log changes read",
    notUsed: "Okta's System Log was not used",
  },
  ENTRA_ID: {
    directory: "Microsoft Entra ID",
    delta: "Delta (Graph delta query)",
    changesRead: "Changes read from Graph",
    notUsed: "Graph's delta query was not used",
  },
  GOOGLE_WORKSPACE: {
    directory: "Google Workspace",
    delta: "Delta",
    changesRead: "Changes read",
    notUsed: "Google Workspace has no change log",
  },
};

/** The label, or null for a run that has not started (its mode is decided by its first step). */
export function runReadingLabel(
  run: { mode: SyncRunMode; fallback: string | null; startedAt: Date | string | null },
  provider: SyncProvider,
): string | null {
  if (!run.startedAt) return null;
  const reading = runReading(run);
  return reading === "delta" ? CHANGE_SOURCE[provider].delta : RUN_READING_LABEL[reading];
}
