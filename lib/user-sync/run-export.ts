import type { Db, SyncRunItem } from "@/lib/db";
import { type CsvColumn, csvStream, EXPORT_PAGE_SIZE } from "@/lib/export/csv";
import { describeChanges, getRun, RUN_ITEM_LABEL, type RunExport, runItemsToExport } from "./runs";

/** What the run's page shows of each item, the changed fields in full. */
export const RUN_ITEM_COLUMNS: CsvColumn<SyncRunItem>[] = [
  { header: "Kind", value: (item) => RUN_ITEM_LABEL[item.kind] },
  { header: "User", value: (item) => item.userKey },
  { header: "Okta id", value: (item) => item.externalId },
  { header: "Reason", value: (item) => item.reason },
  { header: "Changed fields", value: (item) => describeChanges(item.changes) },
  { header: "Recorded", value: (item) => item.createdAt.toISOString() },
];

/**
 * A run's changes or errors as CSV, named after its sync and its start (`Okta production run
 * 2025-12-06 0142 UTC errors`); null for a run of another organization.
 */
export async function runItemsCsv(
  db: Db,
  organizationId: string,
  runId: string,
  items: RunExport,
  pageSize = EXPORT_PAGE_SIZE,
) {
  const run = await getRun(db, organizationId, runId);
  if (!run) return null;
  const sync = await db.userSync.findUnique({ where: { id: run.userSyncId }, select: { name: true } });
  const started = (run.startedAt ?? run.queuedAt).toISOString();
  return {
    name: `${sync?.name ?? "Sync"} run ${started.slice(0, 10)} ${started.slice(11, 13)}${started.slice(14, 16)} UTC ${items}`,
    body: csvStream(RUN_ITEM_COLUMNS, runItemsToExport(db, run.id, items, pageSize)),
  };
}
