"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { pendingRemovalsText } from "@/emails/components/format";
import type { SyncProvider } from "@/lib/db/generated/enums";
import { isActiveStatus } from "@/lib/sync/active-statuses";
import { type RunReading, runReading, runReadingLabel } from "@/lib/user-sync/run-mode";
import type { RunView } from "@/lib/user-sync/runs";
import { formatDuration, RunStatus } from "./run-status";

type Run = Omit<RunView, "queuedAt" | "startedAt" | "finishedAt" | "decidedAt" | "cancelRequestedAt"> & {
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequestedAt: string | null;
};

const LAST_PHASES = [
  { id: "MEMBERSHIPS", label: "Memberships" },
  { id: "SAFEGUARD", label: "Safeguard" },
  { id: "DELETIONS", label: "Deletions" },
  { id: "FINISHING", label: "Finishing" },
];

/** The phases in the order the run goes through them (lib/sync/README.md, "A run"). */
const PHASES: Record<RunReading, { id: string; label: string }[]> = {
  // A delta run reads Okta's System Log first.
  delta: [
    { id: "CHANGES", label: "System Log" },
    { id: "USERS", label: "Users" },
    { id: "GROUPS", label: "Groups" },
    ...LAST_PHASES,
  ],
  relisting: [{ id: "USERS", label: "Users" }, { id: "GROUPS", label: "Groups" }, ...LAST_PHASES],
  // A full run lists the groups, then the users with the groups' members alongside.
  full: [{ id: "GROUPS", label: "Groups" }, { id: "USERS", label: "Users and members" }, ...LAST_PHASES],
};

/** A preview lists the groups, then the users (no members), and records the removals it would make. */
const PREVIEW_PHASES = [
  { id: "GROUPS", label: "Groups" },
  { id: "USERS", label: "Users" },
  { id: "SAFEGUARD", label: "Safeguard" },
  { id: "DELETIONS", label: "Removals" },
  { id: "FINISHING", label: "Finishing" },
];

const active = isActiveStatus;

async function fetchRun(runId: string): Promise<Run> {
  const response = await fetch(`/api/sync-runs/${runId}`, { cache: "no-store" });
  if (!response.ok) throw new Error(`The run could not be loaded (${response.status}).`);
  return response.json();
}

/** Live progress of a run, polled every second until it ends; then the page refreshes its history. */
/** `directory`: the sync's directory by name (`DIRECTORY_NAME`); `provider`: which it is. */
export function RunProgress({
  initial,
  directory = "Okta",
  provider = "OKTA",
  children,
}: {
  initial: Run;
  directory?: string;
  provider?: SyncProvider;
  children?: React.ReactNode;
}) {
  const router = useRouter();
  const { data: run, error } = useQuery({
    queryKey: ["sync-run", initial.id],
    queryFn: () => fetchRun(initial.id),
    initialData: initial,
    refetchInterval: (query) => (query.state.data && active(query.state.data.status) ? 1000 : false),
  });
  const [now, setNow] = useState(() => Date.now());
  const running = active(run.status);
  useEffect(() => {
    if (!running) {
      router.refresh();
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running, router]);

  const percent =
    run.status === "SUCCEEDED" || run.status === "PARTIAL"
      ? 100
      : run.usersExpected
        ? Math.min(99, Math.round((run.usersProcessed / Math.max(run.usersExpected, 1)) * 100))
        : null;
  const elapsed = run.startedAt
    ? (run.finishedAt ? new Date(run.finishedAt).getTime() : now) - new Date(run.startedAt).getTime()
    : 0;
  // A delta run on a change feed (Entra ID) has no CHANGES phase: its listings are the feed.
  const phases = run.preview
    ? PREVIEW_PHASES
    : PHASES[runReading(run)].filter((p) => p.id !== "CHANGES" || provider === "OKTA");
  const phaseIndex = phases.findIndex((p) => p.id === run.phase);
  const reading = runReadingLabel(run, provider);
  return (
    <section
      aria-labelledby="progress-heading"
      className="rounded-lg border border-brand-100 bg-white p-5 shadow-sm"
      data-testid="run-progress"
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex flex-wrap items-baseline gap-x-2">
          <h2 id="progress-heading" className="text-base font-semibold">
            {run.preview
              ? running
                ? "Preview in progress"
                : "Latest preview"
              : running
                ? "Sync in progress"
                : "Latest run"}
          </h2>
          {reading && !run.preview && <span className="text-sm text-slate-600">{reading}</span>}
        </div>
        <RunStatus status={run.status} />
      </div>
      <ol className="mt-4 flex flex-wrap gap-2 text-xs" aria-label="Phases">
        {phases.map((phase, i) => (
          <li
            key={phase.id}
            aria-current={phase.id === run.phase ? "step" : undefined}
            className={
              phase.id === run.phase
                ? "rounded-full bg-brand-600 px-2.5 py-1 font-semibold text-white"
                : i < phaseIndex || run.phase === "DONE"
                  ? "rounded-full bg-brand-50 px-2.5 py-1 text-brand-700"
                  : "rounded-full bg-slate-100 px-2.5 py-1 text-slate-600"
            }
          >
            {phase.label}
          </li>
        ))}
      </ol>
      <div className="mt-4">
        <div
          role="progressbar"
          aria-label="Sync progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent ?? undefined}
          className="h-2.5 overflow-hidden rounded-full bg-slate-100"
        >
          <div
            className={
              percent === null && running
                ? "h-full w-1/3 animate-pulse rounded-full bg-brand-500"
                : "h-full rounded-full bg-brand-600 transition-all"
            }
            style={percent === null ? undefined : { width: `${percent}%` }}
          />
        </div>
        <p className="mt-2 text-sm text-slate-600" aria-live="polite">
          {run.usersProcessed.toLocaleString("en")}
          {run.usersExpected ? ` of ~${run.usersExpected.toLocaleString("en")}` : ""} users processed ·{" "}
          {run.pagesFetched} pages · {run.oktaRequests} {directory} requests · {formatDuration(elapsed)}{" "}
          elapsed
        </p>
      </div>
      {run.status === "BLOCKED" && (
        <p className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          This run would remove {pendingRemovalsText(run)}, more than the safeguard allows. Approve to apply
          the removals, or reject to finish without removing anything.
        </p>
      )}
      {run.fallback && (
        <p className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">{run.fallback}</p>
      )}
      {run.error && <p className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{run.error}</p>}
      {error && <p className="mt-3 text-sm text-red-700">{error.message}</p>}
      {children}
    </section>
  );
}

export type { Run as RunProgressData };
