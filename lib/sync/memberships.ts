import { Prisma } from "@/lib/db";
import { pagesFor } from "./capacity";
import { clearSeen, markSeen, seenMembersOf } from "./seen";
import { type Columns, insertRows, refreshMemberCounts, type Tx } from "./sql";
import { commitStep, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED, type SyncState } from "./types";

/**
 * MEMBERSHIPS: groups in id order (new ones and those whose members moved: `groupsToReconcile`),
 * their member listings read with a budget of pages shared across groups (`readMembers`).
 * Missing members are added as pages arrive; extra ones are removed once a group's listing is
 * complete, by comparing it with the stored members (a group listed across steps stages what
 * earlier steps listed in the run's scratch).
 */
export const membershipsStep: Step = async (ctx, state) => {
  // Each group costs one page at least, so one more than the budget tells whether any remain.
  const groups = await groupsToReconcile(ctx, state.afterGroupId, ctx.budget.memberPages + 1);
  const { listings, requested } = await readMembers(ctx, groups, state.memberCursor);
  const next = await commitStep(ctx, state, async (tx) => ({
    next: nextState(state, listings, groups.length),
    counts: { pagesFetched: requested, ...(await applyMembers(tx, ctx, listings)) },
  }));
  return running(next);
};

/** Groups whose member listings are read at once (the Okta client's default concurrency is 3). */
const READERS = 3;

type GroupToReconcile = Awaited<ReturnType<typeof groupsToReconcile>>[number];

/**
 * The step's member listings: groups in id order, up to READERS at once, each a page after
 * another, started while the pages planned (from the directory's member counts) are under the
 * budget. A group resumed from the checkpoint is read first, alone. A group larger than the
 * budget is started last and cut when the step has read its budget (its cursor becomes the
 * checkpoint); the others are read whole, so a step reads its budget at least and twice at most.
 * A count that was wrong can make a group run on: at twice the budget every listing stops, and
 * the step keeps the groups up to the first one cut short, so the checkpoint stays "every group
 * up to this id, then this group from this cursor"; later groups are read again by the next step.
 */
async function readMembers(
  ctx: StepContext,
  groups: GroupToReconcile[],
  resume: SyncState["memberCursor"],
): Promise<{ listings: MemberListing[]; requested: number }> {
  const budget = ctx.budget.memberPages;
  const slots: (MemberListing | undefined)[] = [];
  let requested = 0;
  let failure: { error: unknown } | null = null;
  const read = async (index: number, group: GroupToReconcile, cursor: string | null, limit: number) => {
    const externalIds: string[] = [];
    let next = cursor;
    do {
      requested++;
      const page = await ctx.directory.listGroupMembers(group.externalId, next);
      externalIds.push(...page.items);
      next = page.next;
    } while (next !== null && requested < limit && !failure);
    slots[index] = { groupId: group.id, externalIds, resumed: cursor !== null, next };
  };

  const readers = new Set<Promise<void>>();
  let planned = 0;
  for (const [index, group] of groups.entries()) {
    if (isEveryone(group)) {
      const resumed = resume?.groupId === group.id;
      slots[index] = { groupId: group.id, externalIds: [], resumed, next: null, everyone: true };
      continue;
    }
    if (resume?.groupId === group.id) {
      await read(index, group, resume.cursor, budget);
      if (slots[index]?.next !== null) break;
      planned = requested;
      continue;
    }
    const expected = pagesFor(group.externalMemberCount ?? 0, ctx.directory.memberPageSize);
    const last = expected > budget;
    planned += expected;
    while (readers.size >= READERS && !failure) await Promise.race(readers);
    if (failure) break;
    const reader: Promise<void> = read(index, group, null, last ? budget : 2 * budget)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => readers.delete(reader));
    readers.add(reader);
    if (last || planned >= budget) break;
  }
  await Promise.all(readers);
  if (failure) throw (failure as { error: unknown }).error;

  const listings: MemberListing[] = [];
  for (const slot of slots) {
    if (!slot) break;
    listings.push(slot);
    if (slot.next !== null) break;
  }
  return { listings, requested };
}

/**
 * Okta's Everyone group (BUILT_IN) holds every user of the org by definition, so its members are
 * the sync's users: reconciled from the database, not listed (at 100,000 users that listing is
 * 500 requests, a fifth of a full run's). As for listed groups, deprovisioned users are members
 * of nothing.
 */
export const isEveryone = (group: { type: string | null; name: string }) =>
  group.type === "BUILT_IN" && group.name === "Everyone";

interface MemberListing {
  groupId: string;
  /** Okta's Everyone group: members from the database (`isEveryone`). */
  everyone?: boolean;
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

/**
 * The groups whose stored members may differ from Okta's: new ones, and those whose
 * `lastMembershipUpdated` moved since their members were last read whole, in full runs as in
 * incremental ones. Okta moves it on every membership change; users whose memberships did not
 * move as they arrived mark the groups themselves (`markMembersStale`). A full run still lists
 * every user and group, which is what finds hard deletions.
 */
async function groupsToReconcile(ctx: StepContext, afterGroupId: string | null, limit: number) {
  const { db, sync } = ctx;
  const groups = await db.userGroup.findMany({
    where: {
      userSyncId: sync.id,
      externalId: { not: null },
      ...(afterGroupId !== null && { id: { gt: afterGroupId } }),
      OR: [
        { membershipsUpdatedAt: null },
        { externalMembershipUpdatedAt: { gt: db.userGroup.fields.membershipsUpdatedAt } },
      ],
    },
    orderBy: { id: "asc" },
    take: limit,
    select: { id: true, externalId: true, type: true, name: true, externalMemberCount: true },
  });
  return groups.flatMap((g) => (g.externalId === null ? [] : [{ ...g, externalId: g.externalId }]));
}

/** Marks the sync's groups (or only Everyone) for their members to be read again. */
export async function markMembersStale(
  tx: Tx,
  userSyncId: string,
  groups: "all" | "everyone",
): Promise<void> {
  const everyoneOnly =
    groups === "everyone" ? Prisma.sql`AND type = 'BUILT_IN' AND name = 'Everyone'` : Prisma.empty;
  await tx.$executeRaw`
    UPDATE "UserGroup" SET "membershipsUpdatedAt" = NULL
    WHERE "userSyncId" = ${userSyncId} AND "membershipsUpdatedAt" IS NOT NULL ${everyoneOnly}`;
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

async function applyMembers(tx: Tx, ctx: StepContext, all: MemberListing[]): Promise<RunCounts> {
  const { run, sync, now } = ctx;
  const everyone = await applyEveryone(
    tx,
    ctx,
    all.filter((l) => l.everyone),
  );
  const listings = all.filter((l) => !l.everyone);
  // Only the sync's own users who are not deprovisioned are members of anything. Raw SQL: a
  // step resolves up to 8,000 ids, which Prisma would send as as many parameters.
  const users = await tx.$queryRaw<{ id: string; externalId: string }[]>`
    SELECT id, "externalId" FROM "DirectoryUser"
    WHERE "userSyncId" = ${sync.id} AND status <> ${DEPROVISIONED}
      AND "externalId" = ANY(${[...new Set(listings.flatMap((l) => l.externalIds))]}::text[])`;
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
  const membershipsRemoved = await removeUnlisted(tx, run.id, complete);
  for (const m of complete.filter((m) => m.resumed)) await clearSeen(tx, run.id, seenMembersOf(m.groupId));

  await refreshMemberCounts(
    tx,
    all.map((m) => m.groupId),
    now,
  );
  const done = all.filter((m) => !m.next).map((m) => m.groupId);
  if (done.length > 0) {
    await tx.$executeRaw`
      UPDATE "UserGroup" SET "membershipsUpdatedAt" = "externalMembershipUpdatedAt", "updatedAt" = ${now}
      WHERE id = ANY(${done}::text[])
        AND "membershipsUpdatedAt" IS DISTINCT FROM "externalMembershipUpdatedAt"`;
  }
  return {
    membershipsAdded: membershipsAdded + everyone.membershipsAdded,
    membershipsRemoved: membershipsRemoved + everyone.membershipsRemoved,
  };
}

/** The Everyone group's members are the sync's users that are not deprovisioned: two statements. */
async function applyEveryone(tx: Tx, ctx: StepContext, groups: MemberListing[]) {
  const { run, sync, now } = ctx;
  let membershipsAdded = 0;
  let membershipsRemoved = 0;
  for (const group of groups) {
    // A listing of it begun before this rule leaves staged members: not needed any more.
    if (group.resumed) await clearSeen(tx, run.id, seenMembersOf(group.groupId));
    membershipsAdded += await tx.$executeRaw`
      INSERT INTO "GroupMembership" ("groupId", "userId", "createdAt")
      SELECT ${group.groupId}, u.id, ${now} FROM "DirectoryUser" u
      WHERE u."userSyncId" = ${sync.id} AND u.status <> ${DEPROVISIONED}
      ON CONFLICT DO NOTHING`;
    membershipsRemoved += await tx.$executeRaw`
      DELETE FROM "GroupMembership" m
      WHERE m."groupId" = ${group.groupId}
        AND NOT EXISTS (
          SELECT 1 FROM "DirectoryUser" u
          WHERE u.id = m."userId" AND u."userSyncId" = ${sync.id} AND u.status <> ${DEPROVISIONED}
        )`;
  }
  return { membershipsAdded, membershipsRemoved };
}

/**
 * Removes the memberships of completely listed groups that their listing did not show, in this
 * step's pages or staged by earlier steps (`seenMembersOf`): one statement, the comparison made
 * by PostgreSQL rather than by reading every group's members into the app.
 */
async function removeUnlisted(
  tx: Tx,
  runId: string,
  groups: { groupId: string; userIds: string[] }[],
): Promise<number> {
  if (groups.length === 0) return 0;
  const listed = groups.flatMap((g) => g.userIds.map((userId) => ({ groupId: g.groupId, userId })));
  return tx.$executeRaw`
    DELETE FROM "GroupMembership" m
    WHERE m."groupId" = ANY(${groups.map((g) => g.groupId)}::text[])
      AND NOT EXISTS (
        SELECT 1 FROM unnest(${listed.map((l) => l.groupId)}::text[], ${listed.map((l) => l.userId)}::text[])
          AS l("groupId", "userId")
        WHERE l."groupId" = m."groupId" AND l."userId" = m."userId")
      AND NOT EXISTS (
        SELECT 1 FROM "SyncRunSeen" s
        WHERE s."syncRunId" = ${runId} AND s.scope = ${seenMembersOf("")} || m."groupId" AND s.key = m."userId")`;
}
