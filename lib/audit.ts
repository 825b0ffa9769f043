import type { Db, Prisma } from "@/lib/db";

export type AuditAction =
  | "user-sync.created"
  | "user-sync.updated"
  | "user-sync.deleted"
  | "sync-run.started"
  | "sync-run.cancelled"
  | "sync-run.approved"
  | "sync-run.rejected";

/** Records who did what to which record: every admin change and every sync decision. */
export async function recordAudit(
  db: Db | Prisma.TransactionClient,
  event: {
    organizationId: string;
    actorId: string | null;
    action: AuditAction;
    targetType: string;
    targetId: string;
    details?: Prisma.InputJsonValue;
  },
): Promise<void> {
  await db.auditEvent.create({ data: event });
}
