import { clearSeen, markSeen, seenMembersOf } from "./seen";
import { refreshMemberCounts, type Tx } from "./sql";
import { commitStep, fetchPages, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED, type SyncState } from "./types";

/**
 * MEMBERSHIPS: groups in id order (all of them in a full run; in an incremental run those whose
 * members moved, and new ones), their member listings read with a budget of pages shared across
 * groups. Missing members are added as pages arrive; extra ones are removed once a group's
 * listing is complete (members of a group listed across steps are staged in the run's scratch).
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

  const { count: membershipsAdded } = await tx.groupMembership.createMany({
    data: members.flatMap((m) => m.userIds.map((userId) => ({ groupId: m.groupId, userId }))),
    skipDuplicates: true,
  });
  let membershipsRemoved = 0;
  for (const m of members) {
    const scope = seenMembersOf(m.groupId);
    if (m.next) {
      await markSeen(
        tx,
        run.id,
        scope,
        m.userIds.map((key) => ({ key })),
      );
      continue;
    }
    membershipsRemoved += await tx.$executeRaw`
      DELETE FROM "GroupMembership" m
      WHERE m."groupId" = ${m.groupId}
        AND m."userId" <> ALL(${m.userIds}::text[])
        AND NOT EXISTS (
          SELECT 1 FROM "SyncRunSeen" s
          WHERE s."syncRunId" = ${run.id} AND s.scope = ${scope} AND s.key = m."userId"
        )`;
    if (m.resumed) await clearSeen(tx, run.id, scope);
  }

  await refreshMemberCounts(
    tx,
    members.map((m) => m.groupId),
    now,
  );
  const complete = members.filter((m) => !m.next).map((m) => m.groupId);
  if (complete.length > 0) {
    await tx.$executeRaw`
      UPDATE "UserGroup" SET "membershipsUpdatedAt" = "externalMembershipUpdatedAt", "updatedAt" = ${now}
      WHERE id = ANY(${complete}::text[])
        AND "membershipsUpdatedAt" IS DISTINCT FROM "externalMembershipUpdatedAt"`;
  }
  return { membershipsAdded, membershipsRemoved };
}
