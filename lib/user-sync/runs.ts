import type { Db, Prisma, SyncRunStatus } from "@/lib/db";
import { isRecordId } from "@/lib/input";
import { keysetPage, pagesOf } from "@/lib/pagination";
import { ACTIVE_STATUSES } from "@/lib/sync/active-statuses";

/** What the history and the live progress show of a run (not the engine's internal checkpoint). */
export const runFields = {
  id: true,
  userSyncId: true,
  status: true,
  mode: true,
  trigger: true,
  preview: true,
  phase: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  pagesFetched: true,
  usersProcessed: true,
  usersExpected: true,
  oktaRequests: true,
  logChanges: true,
  fallback: true,
  usersCreated: true,
  usersUpdated: true,
  usersUnchanged: true,
  usersDeleted: true,
  usersDeprovisioned: true,
  usersFailed: true,
  groupsCreated: true,
  groupsUpdated: true,
  groupsDeleted: true,
  membershipsAdded: true,
  membershipsRemoved: true,
  pendingRemovals: true,
  pendingGroupRemovals: true,
  pendingMembershipRemovals: true,
  error: true,
  cancelRequestedAt: true,
  decision: true,
  decidedAt: true,
  startedBy: { select: { name: true, email: true } },
  decidedBy: { select: { name: true, email: true } },
} satisfies Prisma.SyncRunSelect;

export type RunView = Prisma.SyncRunGetPayload<{ select: typeof runFields }>;

/** SYNC HISTORY: a sync's runs, newest first, a page at a time. */
export async function listRuns(
  db: Db,
  userSyncId: string,
  page: { after?: string; before?: string },
  limit = 25,
) {
  return keysetPage({ field: "queuedAt", type: "date", direction: "desc" }, { ...page, limit }, (args) =>
    db.syncRun.findMany({
      where: { AND: [{ userSyncId }, args.where] },
      orderBy: args.orderBy,
      take: args.take,
      select: runFields,
    }),
  );
}

/** A run of the organization, or null for an id from elsewhere. */
export async function getRun(db: Db, organizationId: string, runId: string) {
  if (!isRecordId(runId)) return null;
  return db.syncRun.findFirst({
    where: { id: runId, organizationId },
    select: { ...runFields, organizationId: true },
  });
}

export const RUN_ITEM_KINDS = ["ERROR", "CREATED", "UPDATED", "DELETED", "DEPROVISIONED"] as const;
type RunItemKind = (typeof RUN_ITEM_KINDS)[number];

/** What a run item is, in words: a user's sync history, a run's CSV export. */
export const RUN_ITEM_LABEL = {
  CREATED: "Created",
  UPDATED: "Updated",
  DELETED: "Deleted",
  DEPROVISIONED: "Deprovisioned",
  ERROR: "Error",
} as const satisfies Record<RunItemKind, string>;

/** A run's per-user errors and changes, one kind at a time. */
export async function listRunItems(
  db: Db,
  syncRunId: string,
  kind: RunItemKind,
  page: { after?: string; before?: string },
  limit = 50,
) {
  return keysetPage({ field: "id", type: "text", direction: "asc" }, { ...page, limit }, (args) =>
    db.syncRunItem.findMany({
      where: { AND: [{ syncRunId, kind }, args.where] },
      orderBy: args.orderBy,
      take: args.take,
    }),
  );
}

/**
 * How many runs the sync's trends show: 30 is a day and a bit of an hourly sync (its daily full
 * run among them) or a month of a daily one, and leaves each run about 25 px of the chart at
 * 1024 px.
 */
export const TREND_RUNS = 30;

/** One finished run in the sync's trends: its user counts and how long it took. */
export interface RunTrend {
  id: string;
  startedAt: Date;
  status: SyncRunStatus;
  created: number;
  updated: number;
  /** Deleted or deprovisioned, as the deletion policy says. */
  removed: number;
  failed: number;
  durationMs: number;
}

/**
 * The sync's last `limit` runs that started and finished, oldest first. Runs still active, and runs
 * that ended without starting (cancelled while queued, never picked up), have no duration and did no
 * work: they are left out.
 */
export async function listRunTrends(db: Db, userSyncId: string, limit = TREND_RUNS): Promise<RunTrend[]> {
  const runs = await db.syncRun.findMany({
    where: {
      userSyncId,
      // A preview's counts are what a sync would have done.
      preview: false,
      status: { notIn: ACTIVE_STATUSES },
      startedAt: { not: null },
      finishedAt: { not: null },
    },
    orderBy: { queuedAt: "desc" },
    take: limit,
    select: {
      id: true,
      status: true,
      startedAt: true,
      finishedAt: true,
      usersCreated: true,
      usersUpdated: true,
      usersDeleted: true,
      usersDeprovisioned: true,
      usersFailed: true,
    },
  });
  return runs.reverse().map((run) => {
    const startedAt = run.startedAt as Date;
    return {
      id: run.id,
      startedAt,
      status: run.status,
      created: run.usersCreated,
      updated: run.usersUpdated,
      removed: run.usersDeleted + run.usersDeprovisioned,
      failed: run.usersFailed,
      durationMs: (run.finishedAt as Date).getTime() - startedAt.getTime(),
    };
  });
}

/** A run's changes (every kind but errors, kind by kind) or its errors: what a CSV export holds. */
export const RUN_EXPORTS = {
  changes: ["CREATED", "UPDATED", "DELETED", "DEPROVISIONED"],
  errors: ["ERROR"],
} as const satisfies Record<string, readonly RunItemKind[]>;

export type RunExport = keyof typeof RUN_EXPORTS;

/** A run's items of an export, `pageSize` at a time, kind by kind, each page read only when asked for. */
export function runItemsToExport(db: Db, syncRunId: string, items: RunExport, pageSize: number) {
  const kinds: readonly RunItemKind[] = RUN_EXPORTS[items];
  const first = { kind: kinds[0] as RunItemKind, after: undefined as string | undefined };
  return pagesOf(first, async ({ kind, after }) => {
    const page = await listRunItems(db, syncRunId, kind, { after }, pageSize);
    const nextKind = kinds[kinds.indexOf(kind) + 1];
    const next = page.next
      ? { kind, after: page.next }
      : nextKind
        ? { kind: nextKind, after: undefined }
        : null;
    return { items: page.items, next };
  });
}

/** A run item's changed attributes as text: `field: before → after; …` (values as JSON). */
export function describeChanges(changes: unknown): string {
  if (!changes || typeof changes !== "object") return "";
  return Object.entries(changes as Record<string, [unknown, unknown]>)
    .map(([field, [before, after]]) => `${field}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`)
    .join("; ");
}
