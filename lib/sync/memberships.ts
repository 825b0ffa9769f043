import { clearSeen, markSeen, seenKeys, seenMembersOf } from "./seen";
import { type Columns, insertRows, refreshMemberCounts, type Tx } from "./sql";
import { commitStep, fetchPages, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED, type SyncState } from "./types";

/**
 * MEMBERSHIPS: groups in id order (all of them in a full run; in an incremental run those whose
 * members moved, and new ones), their member listings read with a budget of pages shared across
 * groups. Missing members are added as pages arrive; extra ones are removed once a group's
 * listing is complete, by comparing it with the stored members (a group listed across steps
 * stages what earlier steps listed in the run's scratch).
 */
export const membershipsStep: Step = async (ctx, state) => {
  const budget = ctx.budget.memberPages;
  // Each group costs one page at least, so one more than the budget tells whether any remain.
  const groups = await groupsToReconcile(ctx, state.afterGroupId, budget + 1);
  const listings: MemberListing[] = [];
  let pages = 0;
  for (const group of groups) {
    if (pages === budget) break;
    const resumed = state.memberCursor?.groupId === group.id ? state.memberCursor.cursor : null;
    const listed = await fetchPages(budget - pages, resumed, (cursor) =>
      ctx.directory.listGroupMembers(group.externalId, cursor),
    );
    pages += listed.pages;
    listings.push({
      groupId: group.id,
      externalIds: listed.items,
      resumed: resumed !== null,
      next: listed.next,
    });
  }

  const next = await commitStep(ctx, state, async (tx) => ({
    next: nextState(state, listings, groups.length),
    counts: { pagesFetched: pages, ...(await applyMembers(tx, ctx, listings)) },
  }));
  return running(next);
};

interface MemberListing {
  groupId: string;
  externalIds: string[];
  /** The listing continues one begun in an earlier step. */
  resumed: boolean;
  /** Null when the group's listing is complete. */
  next: string | null;
}

function nextState(state: SyncState, listings: MemberListing[], groupsLeft: number): SyncState {
  const last = listings.at(-1);
  if (last?.next) {
    const previous = listings.at(-2);
    return {
      ...state,
      afterGroupId: previous?.groupId ?? state.afterGroupId,
      memberCursor: { groupId: last.groupId, cursor: last.next },
    };
  }
  if (listings.length === groupsLeft)
    return { ...state, phase: "SAFEGUARD", afterGroupId: null, memberCursor: null };
  return { ...state, afterGroupId: last?.groupId ?? state.afterGroupId, memberCursor: null };
}

async function groupsToReconcile(ctx: StepContext, afterGroupId: string | null, limit: number) {
  const { db, run, sync } = ctx;
  const groups = await db.userGroup.findMany({
    where: {
      userSyncId: sync.id,
      externalId: { not: null },
      ...(afterGroupId !== null && { id: { gt: afterGroupId } }),
      ...(run.mode === "INCREMENTAL" && {
        OR: [
          { membershipsUpdatedAt: null },
          { externalMembershipUpdatedAt: { gt: db.userGroup.fields.membershipsUpdatedAt } },
        ],
      }),
    },
    orderBy: { id: "asc" },
    take: limit,
    select: { id: true, externalId: true },
  });
  return groups.flatMap(({ id, externalId }) => (externalId === null ? [] : [{ id, externalId }]));
}

interface MembershipRow {
  groupId: string;
  userId: string;
  createdAt: Date;
}

const MEMBERSHIP_COLUMNS: Columns<MembershipRow> = {
  groupId: "text",
  userId: "text",
  createdAt: "timestamp(3)",
};

async function applyMembers(tx: Tx, ctx: StepContext, listings: MemberListing[]): Promise<RunCounts> {
  const { run, sync, now } = ctx;
  // Only the sync's own users who are not deprovisioned are members of anything.
  const users = await tx.directoryUser.findMany({
    where: {
      userSyncId: sync.id,
      externalId: { in: [...new Set(listings.flatMap((l) => l.externalIds))] },
      status: { not: DEPROVISIONED },
    },
    select: { id: true, externalId: true },
  });
  const userIdOf = new Map(users.map((u) => [u.externalId, u.id]));
  const members = listings.map((l) => ({
    ...l,
    userIds: [...new Set(l.externalIds.flatMap((id) => userIdOf.get(id) ?? []))],
  }));

  const membershipsAdded = await insertRows(
    tx,
    "GroupMembership",
    MEMBERSHIP_COLUMNS,
    members.flatMap((m) => m.userIds.map((userId) => ({ groupId: m.groupId, userId, createdAt: now }))),
    { skipDuplicates: true },
  );
  for (const m of members.filter((m) => m.next)) {
    await markSeen(
      tx,
      run.id,
      seenMembersOf(m.groupId),
      m.userIds.map((key) => ({ key })),
    );
  }
  const complete = members.filter((m) => !m.next);
  const current = await memberIds(
    tx,
    complete.map((m) => m.groupId),
  );
  let membershipsRemoved = 0;
  for (const m of complete) {
    const listed = new Set(m.userIds);
    if (m.resumed) {
      for (const id of await seenKeys(tx, run.id, seenMembersOf(m.groupId))) listed.add(id);
      await clearSeen(tx, run.id, seenMembersOf(m.groupId));
    }
    const extra = (current.get(m.groupId) ?? []).filter((id) => !listed.has(id));
    if (extra.length > 0) {
      membershipsRemoved += await tx.$executeRaw`
        DELETE FROM "GroupMembership" WHERE "groupId" = ${m.groupId} AND "userId" = ANY(${extra}::text[])`;
    }
  }

  await refreshMemberCounts(
    tx,
    members.map((m) => m.groupId),
    now,
  );
  if (complete.length > 0) {
    await tx.$executeRaw`
      UPDATE "UserGroup" SET "membershipsUpdatedAt" = "externalMembershipUpdatedAt", "updatedAt" = ${now}
      WHERE id = ANY(${complete.map((m) => m.groupId)}::text[])
        AND "membershipsUpdatedAt" IS DISTINCT FROM "externalMembershipUpdatedAt"`;
  }
  return { membershipsAdded, membershipsRemoved };
}

/** The user ids of each group's memberships, one array per group. */
async function memberIds(tx: Tx, groupIds: string[]): Promise<Map<string, string[]>> {
  if (groupIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ groupId: string; userIds: string[] }[]>`
    SELECT "groupId", array_agg("userId") AS "userIds" FROM "GroupMembership"
    WHERE "groupId" = ANY(${groupIds}::text[])
    GROUP BY "groupId"`;
  return new Map(rows.map((row) => [row.groupId, row.userIds]));
}
