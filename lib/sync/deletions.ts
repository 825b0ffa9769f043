import { type Db, Prisma, type SyncRun, type UserSync } from "@/lib/db";
import { loggedDeletedGroup, loggedDeletedUser, readsChangeLog } from "./changes";
import { recordItems } from "./items";
import { rowKey } from "./match";
import { markMembersRead } from "./memberships";
import { clearSeen, SEEN_GROUPS, SEEN_MEMBER_REMOVALS, SEEN_USERS } from "./seen";
import { ITEM, PAIR, refreshMemberCounts, splitAggregate, type Tx } from "./sql";
import { commitStep, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED } from "./types";

/**
 * Everything a run removes, applied only after the safeguard let it through, from what complete
 * listings and the change log showed: the memberships the member listings no longer show or the
 * log removed (staged by MEMBERSHIPS and GROUPS); in a full run, the sync's groups the listing did
 * not show, in a delta run those the log deleted; and users gone from the directory — in a full
 * run, the sync's users the listing did not show as active (hard-deleted or deactivated in the
 * directory), in an incremental run, those it showed deactivated and, in a delta run, those the
 * log deleted. The deletion policy says
 * whether users are deleted or kept as DEPROVISIONED; either way they leave every group. The
 * memberships and groups go in the first step (later steps find none left), users a batch a step.
 */
export const deletionsStep: Step = async (ctx, state) => {
  if (ctx.run.preview) return previewRemovals(ctx, state);
  const next = await commitStep(ctx, state, async (tx) => {
    const membershipsRemoved = await removeStagedMemberships(tx, ctx);
    const groups = await removeUnlistedGroups(tx, ctx);
    const { counts, more } = await removeUsers(tx, ctx);
    return {
      next: { ...state, phase: more ? "DELETIONS" : "FINISHING" },
      counts: {
        ...counts,
        groupsDeleted: groups.groupsDeleted,
        membershipsRemoved: membershipsRemoved + groups.membershipsRemoved + (counts.membershipsRemoved ?? 0),
      },
    };
  });
  return running(next);
};

/**
 * A preview's DELETIONS: records what the removals would be — an item for each user, the counts of
 * users and groups — in one step, removing nothing (memberships are not previewed).
 */
const previewRemovals: Step = async (ctx, state) => {
  const { run, sync, now } = ctx;
  const kind = sync.deletionPolicy === "DELETE" ? "DELETED" : "DEPROVISIONED";
  const key = Prisma.raw(sync.uniqueField === "EMAIL" ? `u."emailKey"` : "u.username");
  const next = await commitStep(ctx, state, async (tx) => {
    const users = await tx.$executeRaw`
      INSERT INTO "SyncRunItem" (id, "syncRunId", kind, "externalId", "userKey", "createdAt")
      SELECT gen_random_uuid()::text, ${run.id}, ${kind}::"SyncRunItemKind", u."externalId", ${key}, ${now}
      FROM "DirectoryUser" u WHERE ${removable(sync)} AND ${goneFromDirectory(run)}`;
    const [groups] = await tx.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM "UserGroup" g WHERE g."userSyncId" = ${sync.id} AND ${unlistedGroup(run)}`;
    const counts: RunCounts = kind === "DELETED" ? { usersDeleted: users } : { usersDeprovisioned: users };
    return { next: { ...state, phase: "FINISHING" }, counts: { ...counts, groupsDeleted: groups?.count } };
  });
  return running(next);
};

export interface RemovalCounts {
  users: number;
  groups: number;
  memberships: number;
}

/**
 * What this run would remove, and what it could remove (the safeguard's base for each): users the
 * policy can still remove, the sync's groups, and its memberships (those staged for removal; the
 * memberships of removed users and groups go with them).
 */
export async function countRemovals(
  db: Db,
  run: SyncRun,
  sync: UserSync,
): Promise<{ removals: RemovalCounts; population: RemovalCounts }> {
  const [users] = await db.$queryRaw<{ removals: number; population: number }[]>`
    SELECT count(*) FILTER (WHERE ${goneFromDirectory(run)})::int AS removals, count(*)::int AS population
    FROM "DirectoryUser" u
    WHERE ${removable(sync)}`;
  const [groups] = await db.$queryRaw<{ removals: number; population: number }[]>`
    SELECT count(*) FILTER (WHERE ${unlistedGroup(run)})::int AS removals, count(*)::int AS population
    FROM "UserGroup" g
    WHERE g."userSyncId" = ${sync.id}`;
  const [memberships] = await db.$queryRaw<{ removals: number; population: number }[]>`
    SELECT
      (SELECT count(*) FROM "SyncRunSeen" s
        WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_MEMBER_REMOVALS})::int AS removals,
      (SELECT count(*) FROM "GroupMembership" m JOIN "UserGroup" g ON g.id = m."groupId"
        WHERE g."userSyncId" = ${sync.id})::int AS population`;
  const none = { removals: 0, population: 0 };
  const of = (row: typeof users) => row ?? none;
  return {
    removals: {
      users: of(users).removals,
      groups: of(groups).removals,
      memberships: of(memberships).removals,
    },
    population: {
      users: of(users).population,
      groups: of(groups).population,
      memberships: of(memberships).population,
    },
  };
}

/** Deletes the memberships MEMBERSHIPS staged; returns how many it deleted. */
async function removeStagedMemberships(tx: Tx, ctx: StepContext): Promise<number> {
  const { run, now } = ctx;
  const [row] = await tx.$queryRaw<{ groups: string | null }[]>`
    SELECT string_agg(DISTINCT split_part(key, ${PAIR}, 1), ${ITEM}) AS groups FROM "SyncRunSeen"
    WHERE "syncRunId" = ${run.id} AND scope = ${SEEN_MEMBER_REMOVALS}`;
  const groupIds = splitAggregate(row?.groups ?? null);
  if (groupIds.length === 0) return 0;
  const removed = await tx.$executeRaw`
    DELETE FROM "GroupMembership" m USING "SyncRunSeen" s
    WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_MEMBER_REMOVALS}
      AND m."groupId" = split_part(s.key, ${PAIR}, 1) AND m."userId" = split_part(s.key, ${PAIR}, 2)`;
  await clearSeen(tx, run.id, SEEN_MEMBER_REMOVALS);
  await refreshMemberCounts(tx, groupIds, now);
  await markMembersRead(tx, groupIds, now);
  return removed;
}

/** Deletes the sync's groups gone from the directory (`unlistedGroup`), with their memberships. */
async function removeUnlistedGroups(
  tx: Tx,
  ctx: StepContext,
): Promise<{ groupsDeleted: number; membershipsRemoved: number }> {
  const { run, sync } = ctx;
  if (run.mode !== "FULL" && !readsChangeLog(run)) return { groupsDeleted: 0, membershipsRemoved: 0 };
  const [row] = await tx.$queryRaw<{ memberships: number }[]>`
    SELECT count(*)::int AS memberships FROM "GroupMembership" m JOIN "UserGroup" g ON g.id = m."groupId"
    WHERE g."userSyncId" = ${sync.id} AND ${unlistedGroup(run)}`;
  const groupsDeleted = await tx.$executeRaw`
    DELETE FROM "UserGroup" g WHERE g."userSyncId" = ${sync.id} AND ${unlistedGroup(run)}`;
  return { groupsDeleted, membershipsRemoved: groupsDeleted > 0 ? (row?.memberships ?? 0) : 0 };
}

/**
 * A group (alias g) gone from the directory: one a full run's listing did not show, or a delta
 * run's log deleted; an incremental run that re-lists removes no group.
 */
function unlistedGroup(run: SyncRun): Prisma.Sql {
  if (readsChangeLog(run)) return loggedDeletedGroup(run);
  if (run.mode !== "FULL") return Prisma.sql`false`;
  return Prisma.sql`NOT EXISTS (
    SELECT 1 FROM "SyncRunSeen" s
    WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_GROUPS} AND s.key = g."externalId")`;
}

/** The sync's users that the deletion policy can still remove. */
function removable(sync: UserSync): Prisma.Sql {
  const alreadyDeprovisioned =
    sync.deletionPolicy === "DEPROVISION" ? Prisma.sql`AND u.status <> ${DEPROVISIONED}` : Prisma.empty;
  return Prisma.sql`u."userSyncId" = ${sync.id} ${alreadyDeprovisioned}`;
}

/**
 * A user (alias u, any row with the user's `externalId`) this run learned is gone from the
 * directory: a full run's listing did not show it active, an incremental run listed it deactivated,
 * a delta run also read its deletion in the log. Only once the run's listings are complete.
 */
export function goneFromDirectory(run: SyncRun): Prisma.Sql {
  const seen = (deprovisioned: boolean) => Prisma.sql`EXISTS (
    SELECT 1 FROM "SyncRunSeen" s
    WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_USERS}
      AND s.key = u."externalId" AND s.deprovisioned = ${deprovisioned})`;
  if (readsChangeLog(run)) return Prisma.sql`(${seen(true)} OR ${loggedDeletedUser(run)})`;
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
