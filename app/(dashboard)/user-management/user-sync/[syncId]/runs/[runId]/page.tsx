import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { RunExportLinks } from "@/components/export/csv-export-link";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Pager } from "@/components/ui/pager";
import { Table, Td, Th } from "@/components/ui/table";
import { PreviewSummary } from "@/components/user-sync/preview-summary";
import { SafeguardDecision } from "@/components/user-sync/run-actions";
import { formatDuration, formatWhen, RunStatus, TRIGGER_LABEL } from "@/components/user-sync/run-status";
import { pendingRemovalsText } from "@/emails/components/format";
import { requirePage } from "@/lib/auth/guard";
import { can } from "@/lib/auth/permissions";
import { getDb } from "@/lib/db";
import { DIRECTORY_NAME } from "@/lib/user-sync/form";
import { CHANGE_SOURCE, runReading, runReadingLabel } from "@/lib/user-sync/run-mode";
import { describeChanges, getRun, listRunItems, RUN_ITEM_KINDS } from "@/lib/user-sync/runs";

export const metadata: Metadata = { title: "Sync run" };

const KIND_LABEL = {
  ERROR: "Errors",
  CREATED: "Created",
  UPDATED: "Updated",
  DELETED: "Deleted",
  DEPROVISIONED: "Deprovisioned",
};

const itemQuery = z.object({
  kind: z.enum(RUN_ITEM_KINDS).catch("ERROR"),
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});

export default async function SyncRunPage({
  params,
  searchParams,
}: {
  params: Promise<{ syncId: string; runId: string }>;
  searchParams: Promise<Record<string, string>>;
}) {
  const member = await requirePage("user-sync:read");
  const { syncId, runId } = await params;
  const db = getDb();
  const run = await getRun(db, member.organizationId, runId);
  if (!run || run.userSyncId !== syncId) notFound();
  const query = itemQuery.parse(await searchParams);
  const items = await listRunItems(db, run.id, query.kind, query);
  const delta = runReading(run) === "delta";
  const startedBy = run.startedBy ? (run.startedBy.name ?? run.startedBy.email) : null;
  const sync = await db.userSync.findUniqueOrThrow({
    where: { id: run.userSyncId },
    select: { deletionPolicy: true, activeRunId: true, provider: true },
  });
  const directory = DIRECTORY_NAME[sync.provider];
  // Apply is SYNC DATA, disabled while a run holds the sync (it stays on the page as one starts).
  const apply = can(member.role, "sync-run:start") ? { busy: sync.activeRunId !== null } : null;
  const counts: [string, number][] = [
    ["Users created", run.usersCreated],
    ["Users updated", run.usersUpdated],
    ["Users unchanged", run.usersUnchanged],
    ["Users deleted", run.usersDeleted],
    ["Users deprovisioned", run.usersDeprovisioned],
    ["Users failed", run.usersFailed],
    ["Groups created", run.groupsCreated],
    ["Groups updated", run.groupsUpdated],
    ["Groups deleted", run.groupsDeleted],
    // A preview reads no members.
    ...(run.preview
      ? []
      : ([
          ["Memberships added", run.membershipsAdded],
          ["Memberships removed", run.membershipsRemoved],
        ] as [string, number][])),
    [`${directory} requests`, run.oktaRequests],
    ...(delta ? [[CHANGE_SOURCE[sync.provider].changesRead, run.logChanges] as [string, number]] : []),
  ];
  const duration =
    run.startedAt && run.finishedAt
      ? formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())
      : "—";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/user-management/user-sync/${syncId}`} className="text-brand-700 hover:underline">
          ← Sync history
        </Link>
      </p>
      <PageHeader
        title={`${run.preview ? "Preview" : "Sync run"} of ${formatWhen(run.startedAt ?? run.queuedAt)}`}
        description={
          run.preview
            ? `What SYNC DATA would do${startedBy ? `, previewed by ${startedBy}` : ""}. Nothing was written and no email was sent.`
            : `${TRIGGER_LABEL[run.trigger]} sync${startedBy ? ` started by ${startedBy}` : ""}.`
        }
        actions={
          <>
            <RunStatus status={run.status} />
            <RunExportLinks runId={run.id} />
          </>
        }
      />
      {run.error && <p className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{run.error}</p>}
      {run.fallback && (
        <section
          aria-labelledby="fallback-heading"
          className="mb-6 rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900"
        >
          <h2 id="fallback-heading" className="font-semibold">
            {CHANGE_SOURCE[sync.provider].notUsed}
          </h2>
          <p className="mt-1">{run.fallback}</p>
        </section>
      )}
      {run.preview && <PreviewSummary run={run} deletionPolicy={sync.deletionPolicy} apply={apply} />}
      {run.status === "BLOCKED" && (
        <section aria-label="Safeguard" className="mb-6 rounded-lg border border-amber-200 bg-amber-50 p-4">
          <p className="text-sm text-amber-900">
            This run would remove {pendingRemovalsText(run)}, more than the safeguard allows. Approve to apply
            the removals, or reject to finish without removing anything.
          </p>
          {can(member.role, "sync-run:decide") && (
            <div className="mt-3">
              <SafeguardDecision syncRunId={run.id} />
            </div>
          )}
        </section>
      )}
      <div className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Card className="p-4">
          <p className="text-xs text-slate-500">How {directory} was read</p>
          <p className="text-sm font-medium">{runReadingLabel(run, sync.provider) ?? "—"}</p>
        </Card>
        <Card className="p-4">
          <p className="text-xs text-slate-500">Queued</p>
          <p className="text-sm font-medium">{formatWhen(run.queuedAt)}</p>
        </Card>
        <Card className="p-4">
          <p className="text-xs text-slate-500">Finished</p>
          <p className="text-sm font-medium">{formatWhen(run.finishedAt)}</p>
        </Card>
        <Card className="p-4">
          <p className="text-xs text-slate-500">Duration</p>
          <p className="text-sm font-medium">{duration}</p>
        </Card>
      </div>
      <Card className="mb-6 p-5">
        <h2 className="mb-3 text-sm font-semibold">Counts</h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
          {counts.map(([label, value]) => (
            <div key={label}>
              <dt className="text-xs text-slate-500">{label}</dt>
              <dd className="text-lg font-semibold tabular-nums">{value.toLocaleString("en")}</dd>
            </div>
          ))}
        </dl>
        {run.decision && (
          <p className="mt-4 text-sm text-slate-600">
            Safeguard: {run.decision.toLowerCase()} by {run.decidedBy?.name ?? run.decidedBy?.email ?? "—"} at{" "}
            {formatWhen(run.decidedAt)}.
          </p>
        )}
      </Card>
      <nav aria-label="Changes and errors" className="mb-3 flex flex-wrap gap-2">
        {RUN_ITEM_KINDS.map((kind) => (
          <Link
            key={kind}
            href={`?kind=${kind}`}
            aria-current={kind === query.kind ? "page" : undefined}
            className={cn(
              "rounded-full px-3 py-1 text-sm font-medium",
              kind === query.kind
                ? "bg-brand-600 text-white"
                : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50",
            )}
          >
            {KIND_LABEL[kind]}
          </Link>
        ))}
      </nav>
      {items.items.length === 0 ? (
        <EmptyState title={`No ${KIND_LABEL[query.kind].toLowerCase()}`}>This run recorded none.</EmptyState>
      ) : (
        <>
          <Table caption={`${KIND_LABEL[query.kind]} of this run`}>
            <thead>
              <tr>
                <Th>User</Th>
                <Th>{directory === "Okta" ? "Okta id" : "Directory id"}</Th>
                <Th>{query.kind === "ERROR" ? "Reason" : "Details"}</Th>
              </tr>
            </thead>
            <tbody>
              {items.items.map((item) => (
                <tr key={item.id}>
                  <Td className="break-words">{item.userKey ?? "—"}</Td>
                  <Td className="font-mono text-xs">{item.externalId ?? "—"}</Td>
                  <Td className="break-words">{item.reason ?? (describeChanges(item.changes) || "—")}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <Pager
            basePath={`/user-management/user-sync/${syncId}/runs/${run.id}`}
            params={{ kind: query.kind }}
            next={items.next}
            prev={items.prev}
            label="Run items pages"
          />
        </>
      )}
    </>
  );
}
