import { type PendingRemovals, pendingRemovalsText, plural } from "@/emails/components/format";
import type { DeletionPolicy } from "@/lib/db";
import type { RunView } from "@/lib/user-sync/runs";
import { ApplyPreviewButton } from "./run-actions";

/**
 * A preview's answer, above its counts and lists: what SYNC DATA would create, update, remove and
 * refuse; whether the safeguard would stop it (`pendingRemovals` is set only then); and Apply.
 */
export function PreviewSummary({
  run,
  deletionPolicy,
  apply,
}: {
  run: RunView & PendingRemovals;
  deletionPolicy: DeletionPolicy;
  /** Null when the member may not start runs; busy while a run holds the sync. */
  apply: { busy: boolean } | null;
}) {
  const finished = run.status === "SUCCEEDED" || run.status === "PARTIAL";
  const removed = run.usersDeleted + run.usersDeprovisioned;
  const users = [
    `create ${plural(run.usersCreated, "user")}`,
    `update ${run.usersUpdated.toLocaleString("en")}`,
    `${deletionPolicy === "DELETE" ? "delete" : "deprovision"} ${removed.toLocaleString("en")}`,
    `refuse ${run.usersFailed.toLocaleString("en")}`,
  ];
  const groups = [
    `create ${plural(run.groupsCreated, "group")}`,
    `update ${run.groupsUpdated.toLocaleString("en")}`,
    `delete ${run.groupsDeleted.toLocaleString("en")}`,
  ];
  return (
    <section
      aria-labelledby="preview-heading"
      className="mb-6 rounded-lg border border-brand-100 bg-brand-50 p-4 text-sm text-slate-800"
    >
      <h2 id="preview-heading" className="font-semibold">
        What SYNC DATA would do
      </h2>
      {finished ? (
        <>
          <p className="mt-1" data-testid="preview-users">
            Users: {users.join(", ")}.
          </p>
          <p data-testid="preview-groups">Groups: {groups.join(", ")}.</p>
          <p className="text-slate-600">
            Memberships are not previewed: SYNC DATA reads them from each group.
          </p>
          {run.pendingRemovals !== null && (
            <p
              className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-amber-900"
              data-testid="preview-safeguard"
            >
              SYNC DATA would stop at the safeguard: it would remove {pendingRemovalsText(run)}, more than the
              safeguard allows, and wait for an Owner or Administrator to approve or reject the removals.
            </p>
          )}
          <p className="mt-2 text-slate-600">
            The lists below show each user. Apply runs SYNC DATA, which reads Okta again: what changed there
            since this preview is applied too.
          </p>
          {apply && (
            <div className="mt-3 flex flex-wrap items-center gap-3">
              <ApplyPreviewButton userSyncId={run.userSyncId} disabled={apply.busy} />
              {apply.busy && <span className="text-slate-600">A run of this sync is in progress.</span>}
            </div>
          )}
        </>
      ) : (
        <p className="mt-1">
          {run.status === "RUNNING" || run.status === "QUEUED"
            ? "The preview is reading Okta. Its progress is on the sync's page."
            : "The preview did not finish, so it cannot say what SYNC DATA would do. Run it again."}
        </p>
      )}
    </section>
  );
}
