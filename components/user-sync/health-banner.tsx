import Link from "next/link";
import type { HealthIncident } from "@/lib/sync";
import { formatWhen } from "./run-status";

const BANNER = "mb-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900";

/** "3 failed runs in a row, no success since 2026-11-29 09:30 UTC". */
function summary(incident: HealthIncident): string {
  const runs = `${incident.failures} failed ${incident.failures === 1 ? "run" : "runs"} in a row`;
  const success = incident.lastSuccessAt
    ? `no success since ${formatWhen(incident.lastSuccessAt)}`
    : "no run has succeeded yet";
  return `${runs}, ${success}`;
}

/** The sync's open health incident (lib/sync/health.ts): what failed, since when, and what to do. */
export function HealthBanner({ incident }: { incident: HealthIncident }) {
  const { lastFailure } = incident;
  return (
    <div role="alert" className={BANNER} data-testid="health-banner">
      <p className="font-semibold">This sync is failing: {summary(incident)}.</p>
      {lastFailure && (
        <p className="mt-1 break-words">
          Last error{lastFailure.finishedAt && ` (${formatWhen(lastFailure.finishedAt)})`}:{" "}
          {lastFailure.error ?? "no error recorded"}{" "}
          <Link
            href={`/user-management/user-sync/${incident.userSyncId}/runs/${lastFailure.id}`}
            className="whitespace-nowrap font-medium underline"
          >
            Failed run details
          </Link>
        </p>
      )}
      <p className="mt-1">
        Fix what the error says (most often: a new token, secret or key from the directory, saved with EDIT),
        then click SYNC DATA. This notice goes away when a run succeeds.
      </p>
      <p className="mt-1 text-red-800">
        Alert raised {formatWhen(incident.since)};{" "}
        {incident.alertSentAt
          ? `the Owners and Administrators were emailed ${formatWhen(incident.alertSentAt)}.`
          : "the email to the Owners and Administrators is on its way."}
      </p>
    </div>
  );
}

/** The User Sync list: which syncs are failing, each linking to its page. */
export function HealthIncidentsBanner({ incidents }: { incidents: HealthIncident[] }) {
  if (incidents.length === 0) return null;
  return (
    <div role="alert" className={BANNER} data-testid="health-banner">
      <p>
        <span className="font-semibold">
          {incidents.length === 1 ? "A sync is failing." : `${incidents.length} syncs are failing.`}
        </span>{" "}
        Open a sync for its last error and what to do. A notice goes away when a run of its sync succeeds.
      </p>
      <ul className="mt-1 list-disc pl-5">
        {incidents.map((incident) => (
          <li key={incident.userSyncId} className="break-words">
            <Link
              href={`/user-management/user-sync/${incident.userSyncId}`}
              className="font-medium underline"
            >
              <bdi>{incident.name}</bdi>
            </Link>
            : {summary(incident)}.
          </li>
        ))}
      </ul>
    </div>
  );
}
