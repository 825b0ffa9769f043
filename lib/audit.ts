import type { Db, Prisma } from "@/lib/db";
import { keysetPage } from "@/lib/pagination";

/** Every admin change and every sync decision the audit log records, with its label on the page. */
export const AUDIT_ACTIONS = {
  "user-sync.created": "Created the user sync",
  "user-sync.updated": "Edited the user sync",
  "user-sync.deleted": "Deleted the user sync",
  "sync-run.started": "Started a sync run",
  "sync-run.cancelled": "Cancelled a sync run",
  "sync-run.approved": "Approved a sync run's removals",
  "sync-run.rejected": "Rejected a sync run's removals",
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** Records who did what to which record: every admin change and every sync decision. */
export async function recordAudit(
  db: Db | Prisma.TransactionClient,
  event: {
    organizationId: string;
    /** Null when the system acted: a schedule, a replay, a safeguard that expired. */
    actorId: string | null;
    action: AuditAction;
    targetType: "UserSync" | "SyncRun";
    targetId: string;
    details?: Prisma.InputJsonValue;
  },
): Promise<void> {
  await db.auditEvent.create({ data: event });
}

const NEWEST_FIRST = { field: "createdAt", type: "date", direction: "desc" } as const;

/**
 * The audit log of an organization, newest first, a page at a time. Each event names its target
 * as it is now (a deleted sync by the name it had) and links to it while it exists.
 */
export async function listAuditEvents(
  db: Db,
  organizationId: string,
  page: { after?: string; before?: string },
  limit = 50,
) {
  const events = await keysetPage(NEWEST_FIRST, { ...page, limit }, (args) =>
    db.auditEvent.findMany({
      where: { AND: [{ organizationId }, args.where] },
      orderBy: args.orderBy,
      take: args.take,
      include: { actor: { select: { name: true, email: true } } },
    }),
  );
  const idsOf = (type: string) =>
    events.items.filter((e) => e.targetType === type).map((e) => e.targetId ?? "");
  const [syncs, runs] = await Promise.all([
    db.userSync.findMany({
      where: { organizationId, id: { in: idsOf("UserSync") } },
      select: { id: true, name: true },
    }),
    db.syncRun.findMany({
      where: { organizationId, id: { in: idsOf("SyncRun") } },
      select: { id: true, userSyncId: true, userSync: { select: { name: true } } },
    }),
  ]);
  const syncById = new Map(syncs.map((s) => [s.id, s]));
  const runById = new Map(runs.map((r) => [r.id, r]));
  const targetOf = (event: (typeof events.items)[number]): { label: string; href: string | null } => {
    const id = event.targetId ?? "";
    const recordedName = (event.details as { name?: unknown } | null)?.name;
    if (event.targetType === "UserSync") {
      const sync = syncById.get(id);
      if (sync) return { label: sync.name, href: `/user-management/user-sync/${sync.id}` };
      return {
        label: typeof recordedName === "string" ? `${recordedName} (deleted)` : "A deleted user sync",
        href: null,
      };
    }
    const run = runById.get(id);
    if (run)
      return {
        label: `Run of ${run.userSync.name}`,
        href: `/user-management/user-sync/${run.userSyncId}/runs/${run.id}`,
      };
    return { label: "A deleted sync run", href: null };
  };
  return {
    ...events,
    items: events.items.map((event) => ({
      id: event.id,
      createdAt: event.createdAt,
      action: event.action,
      label: AUDIT_ACTIONS[event.action as AuditAction] ?? event.action,
      actor: event.actor,
      details: event.details,
      target: targetOf(event),
    })),
  };
}

export type AuditEntry = Awaited<ReturnType<typeof listAuditEvents>>["items"][number];
