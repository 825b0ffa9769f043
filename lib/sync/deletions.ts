import { type Db, Prisma, type SyncRun, type UserSync } from "@/lib/db";
import { recordItems } from "./items";
import { rowKey } from "./match";
import { SEEN_USERS } from "./seen";
import { refreshMemberCounts, type Tx } from "./sql";
import { commitStep, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED } from "./types";

/**
 * Removing users gone from the directory, decided only after complete listings: in a full run,
 * the sync's users the listing did not show as active (hard-deleted or deactivated in the
 * directory); in an incremental run, those it showed deactivated. The deletion policy says
 * whether they are deleted or kept as DEPROVISIONED; either way they leave every group.
 */
export const deletionsStep: Step = async (ctx, state) => {
  const next = await commitStep(ctx, state, async (tx) => {
    const { counts, more } = await removeUsers(tx, ctx);
    return { next: { ...state, phase: more ? "DELETIONS" : "FINISHING" }, counts };
  });
  return running(next);
};

/** The users this run would remove, and the users the policy could remove (the safeguard's base). */
export async function countRemovals(
  db: Db,
  run: SyncRun,
  sync: UserSync,
): Promise<{ removals: number; population: number }> {
  const [row] = await db.$queryRaw<{ removals: number; population: number }[]>`
    SELECT count(*) FILTER (WHERE ${goneFromDirectory(run)})::int AS removals, count(*)::int AS population
    FROM "DirectoryUser" u
    WHERE ${removable(sync)}`;
  return row ?? { removals: 0, population: 0 };
}

/** The sync's users that the deletion policy can still remove. */
function removable(sync: UserSync): Prisma.Sql {
  const alreadyDeprovisioned =
    sync.deletionPolicy === "DEPROVISION" ? Prisma.sql`AND u.status <> ${DEPROVISIONED}` : Prisma.empty;
  return Prisma.sql`u."userSyncId" = ${sync.id} ${alreadyDeprovisioned}`;
}

function goneFromDirectory(run: SyncRun): Prisma.Sql {
  const seen = (deprovisioned: boolean) => Prisma.sql`EXISTS (
    SELECT 1 FROM "SyncRunSeen" s
    WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_USERS}
      AND s.key = u."externalId" AND s.deprovisioned = ${deprovisioned})`;
  return run.mode === "FULL" ? Prisma.sql`NOT ${seen(false)}` : seen(true);
}

async function removeUsers(tx: Tx, ctx: StepContext): Promise<{ counts: RunCounts; more: boolean }> {
  const { run, sync, now, budget } = ctx;
  const candidates = await tx.$queryRaw<
    { id: string; externalId: string; emailKey: string | null; username: string | null }[]
  >`
    SELECT u.id, u."externalId", u."emailKey", u.username FROM "DirectoryUser" u
    WHERE ${removable(sync)} AND ${goneFromDirectory(run)}
    ORDER BY u.id
    LIMIT ${budget.removals + 1}`;
  const users = candidates.slice(0, budget.removals);
  const ids = users.map((u) => u.id);
  const memberships = await tx.groupMembership.findMany({
    where: { userId: { in: ids } },
    select: { groupId: true },
  });

  const kind = sync.deletionPolicy === "DELETE" ? "DELETED" : "DEPROVISIONED";
  if (kind === "DELETED") {
    await tx.directoryUser.deleteMany({ where: { id: { in: ids } } });
  } else {
    // No content hash: the stored attributes are no longer what the directory listed, so a
    // user reactivated there is written back even if nothing else changed.
    await tx.directoryUser.updateMany({
      where: { id: { in: ids } },
      data: { status: DEPROVISIONED, contentHash: null, updatedAt: now },
    });
    await tx.groupMembership.deleteMany({ where: { userId: { in: ids } } });
  }
  await refreshMemberCounts(tx, [...new Set(memberships.map((m) => m.groupId))], now);
  await recordItems(
    tx,
    run.id,
    users.map((u) => ({ kind, externalId: u.externalId, userKey: rowKey(u, sync.uniqueField) })),
    now,
  );
  const membershipsRemoved = memberships.length;
  return {
    counts:
      kind === "DELETED"
        ? { usersDeleted: users.length, membershipsRemoved }
        : { usersDeprovisioned: users.length, membershipsRemoved },
    more: candidates.length > users.length,
  };
}
