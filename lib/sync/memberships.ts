import { Prisma } from "@/lib/db";
import { GroupGoneError } from "@/lib/directory/types";
import { pagesFor } from "./capacity";
import { LOGGED_TYPES, readsLog } from "./changes";
import {
  clearSeen,
  markSeen,
  memberRemovalKey,
  SEEN_MEMBER_REMOVALS,
  SEEN_MEMBERS_READ,
  SEEN_PENDING_MEMBERS,
  seenKeys,
  seenMembersOf,
} from "./seen";
import { ITEM, PAIR, recordsets, refreshMemberCounts, splitAggregate, type Tx, textSet } from "./sql";
import { commitStep, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED, type SyncState } from "./types";

/**
 * MEMBERSHIPS: groups in id order (new ones and those whose members moved: `groupsToReconcile`),
 * their member listings read with a budget of pages shared across groups (`readMembers`).
 * Missing members are added as pages arrive; extra ones are found once a group's listing is
 * complete, by comparing it with the stored members (a group listed across steps stages what
 * earlier steps listed in the run's scratch), and staged for removal after the safeguard.
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

/*
 * Members alongside the users. Okta budgets the users and the groups families apart, so a full
 * run reads them side by side: its GROUPS phase comes first, then each USERS step also reads a
 * budget of member pages (`readMembersAlongside`) and applies them after the step's users
 * (`applyMembersAlongside`). A member whose user is not imported yet — not listed so far, or
 * deprovisioned so far — is staged by its directory id (SEEN_PENDING_MEMBERS, a row a user) and
 * joins its groups in the step that imports the user (`resolvePendingMembers`), so a step's cost
 * follows its own users, not the members still waiting. The groups read whole count as read once
 * the users listing is complete (`settleAlongside`). Everyone (the sync's users) and the groups
 * left when the users are done are read in MEMBERSHIPS, which skips the groups read whole
 * alongside (SEEN_MEMBERS_READ).
 */

export type MembersRead = Awaited<ReturnType<typeof readMembersAlongside>>;

export async function readMembersAlongside(ctx: StepContext, state: SyncState) {
  const groups = await groupsToReconcile(ctx, state.afterGroupId, ctx.budget.memberPages + 1, {
    alongside: true,
  });
  return { ...(await readMembers(ctx, groups, state.memberCursor)), groups: groups.length };
}

/**
 * Applies a USERS step's member pages, after the step's users (`users`: the directory ids it
 * listed, and whether the listing is now complete); returns the counts and where the member
 * listings stand.
 */
export async function applyMembersAlongside(
  tx: Tx,
  ctx: StepContext,
  state: SyncState,
  read: MembersRead,
  users: { externalIds: string[]; complete: boolean },
): Promise<{ counts: RunCounts; position: Pick<SyncState, "afterGroupId" | "memberCursor"> }> {
  const resolved = await resolvePendingMembers(
    tx,
    ctx,
    users.externalIds,
    state.memberCursor?.groupId ?? null,
  );
  const applied = await applyMembers(tx, ctx, read.listings, { alongside: true });
  if (users.complete) await settleAlongside(tx, ctx);
  const counts = {
    pagesFetched: read.requested,
    membershipsAdded: resolved + (applied.membershipsAdded ?? 0),
  };
  const next = nextState(state, read.listings, read.groups);
  const done = next.phase !== state.phase;
  return {
    counts,
    position: done
      ? { afterGroupId: read.listings.at(-1)?.groupId ?? state.afterGroupId, memberCursor: null }
      : { afterGroupId: next.afterGroupId, memberCursor: next.memberCursor },
  };
}

/**
 * The members staged for these users join their groups, the users imported now: a probe of the
 * scratch's key and one of the users' (`importedUserOf`) for each of the step's users. In the
 * group whose listing is in progress (`listing`) they are also remembered as on its earlier pages,
 * as the imported members of those pages are (`applyMembers`): its complete listing would
 * otherwise take them for members it no longer shows.
 */
async function resolvePendingMembers(
  tx: Tx,
  ctx: StepContext,
  externalIds: string[],
  listing: string | null,
): Promise<number> {
  if (externalIds.length === 0) return 0;
  const { run, now } = ctx;
  const seen =
    listing === null
      ? Prisma.empty
      : Prisma.sql`, seen AS (
          INSERT INTO "SyncRunSeen" ("syncRunId", scope, key)
          SELECT ${run.id}, ${seenMembersOf(listing)}, "userId" FROM resolved WHERE "groupId" = ${listing}
          ON CONFLICT DO NOTHING)`;
  const [added] = await tx.$queryRaw<{ count: number; groups: string | null }[]>`
    WITH resolved AS (
      SELECT g.id AS "groupId", u.id AS "userId"
      FROM ${textSet(externalIds)} AS l("externalId")
      CROSS JOIN LATERAL (SELECT s."externalIds" FROM "SyncRunSeen" s
        WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_PENDING_MEMBERS} AND s.key = l."externalId"
        LIMIT 1) s
      CROSS JOIN LATERAL (${importedUserOf(ctx, Prisma.sql`l."externalId"`)}) u
      CROSS JOIN LATERAL unnest(string_to_array(s."externalIds", ${ITEM})) AS g(id)
    ), added AS (
      INSERT INTO "GroupMembership" ("groupId", "userId", "createdAt")
      SELECT "groupId", "userId", ${now}::timestamp(3) FROM resolved
      ON CONFLICT DO NOTHING
      RETURNING "groupId")${seen}
    SELECT count(*)::int AS count, string_agg(DISTINCT "groupId", ${ITEM}) AS groups FROM added`;
  await refreshMemberCounts(tx, splitAggregate(added?.groups ?? null), now);
  return added?.count ?? 0;
}

/**
 * The users listing is complete: members still staged have no imported user (members of
 * nothing), and the groups read whole alongside count as read, but those with staged removals
 * (read once the removals are applied).
 */
async function settleAlongside(tx: Tx, ctx: StepContext): Promise<void> {
  const { run, now } = ctx;
  const [row] = await tx.$queryRaw<{ groups: string | null }[]>`
    SELECT string_agg(id, ${ITEM}) AS groups FROM (
      SELECT key AS id FROM "SyncRunSeen" WHERE "syncRunId" = ${run.id} AND scope = ${SEEN_MEMBERS_READ}
      EXCEPT
      SELECT split_part(key, ${PAIR}, 1) FROM "SyncRunSeen"
      WHERE "syncRunId" = ${run.id} AND scope = ${SEEN_MEMBER_REMOVALS}) g`;
  await clearSeen(tx, run.id, SEEN_PENDING_MEMBERS);
  await markMembersRead(tx, splitAggregate(row?.groups ?? null), now);
}

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
    try {
      do {
        requested++;
        const page = await ctx.directory.listGroupMembers(group.externalId, next);
        externalIds.push(...page.items);
        next = page.next;
      } while (next !== null && requested < limit && !failure);
    } catch (error) {
      if (!(error instanceof GroupGoneError)) throw error;
      slots[index] = { groupId: group.id, externalIds: [], resumed: cursor !== null, next: null, gone: true };
      return;
    }
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
  /** Deleted in the directory since it was listed: left as it is for the log or the next full run. */
  gone?: boolean;
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
 * incremental ones (in a delta run, the Okta groups the log did not cover). Okta moves it on every membership change; users whose memberships did not
 * move as they arrived mark the groups themselves (`markMembersStale`). A full run still lists
 * every user and group, which is what finds hard deletions.
 */
async function groupsToReconcile(
  ctx: StepContext,
  afterGroupId: string | null,
  limit: number,
  { alongside = false } = {},
) {
  const { db, sync, run } = ctx;
  const moved = { externalMembershipUpdatedAt: { gt: db.userGroup.fields.membershipsUpdatedAt } };
  const readAlongside = run.mode === "FULL" ? await seenKeys(db, run.id, SEEN_MEMBERS_READ) : [];
  const groups = await db.userGroup.findMany({
    where: {
      userSyncId: sync.id,
      externalId: { not: null },
      ...(afterGroupId !== null && { id: { gt: afterGroupId } }),
      ...(readAlongside.length > 0 && { NOT: { id: { in: readAlongside } } }),
      AND: [
        {
          OR: [
            { membershipsUpdatedAt: null },
            // A delta run's log covers the Okta and app groups (applyLoggedChanges); others are listed.
            readsLog(ctx)
              ? { ...moved, OR: [{ type: null }, { type: { notIn: [...LOGGED_TYPES] } }] }
              : moved,
          ],
        },
        // Everyone's members are the sync's users: reconciled once they are all in.
        ...(alongside
          ? [{ OR: [{ type: null }, { type: { not: "BUILT_IN" } }, { name: { not: "Everyone" } }] }]
          : []),
      ],
    },
    orderBy: { id: "asc" },
    take: limit,
    select: { id: true, externalId: true, type: true, name: true, externalMemberCount: true },
  });
  return groups.flatMap((g) => (g.externalId === null ? [] : [{ ...g, externalId: g.externalId }]));
}

/**
 * Marks the sync's groups (or only Everyone) for their members to be read again, but those this
 * run read whole alongside the users: their listings showed the user, staged if not yet imported.
 */
export async function markMembersStale(
  tx: Tx,
  run: { id: string; userSyncId: string },
  groups: "all" | "everyone",
): Promise<void> {
  const everyoneOnly =
    groups === "everyone" ? Prisma.sql`AND type = 'BUILT_IN' AND name = 'Everyone'` : Prisma.empty;
  await tx.$executeRaw`
    UPDATE "UserGroup" g SET "membershipsUpdatedAt" = NULL
    WHERE g."userSyncId" = ${run.userSyncId} AND g."membershipsUpdatedAt" IS NOT NULL ${everyoneOnly}
      AND NOT EXISTS (SELECT 1 FROM "SyncRunSeen" s
        WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_MEMBERS_READ} AND s.key = g.id)`;
}

/**
 * Brings each listed group's stored members to its listing: the stored members are read once (as
 * external ids), compared in the app, and only the differences are written, so a group re-read
 * with one change costs one write. A group listed across steps stages the users its earlier pages
 * showed (as user ids). The stored members no page showed are staged for removal once its listing
 * completes: nothing leaves a group before the safeguard has decided, and a group with staged
 * removals counts as read only when they are applied, so a run that ends before (rejected,
 * cancelled, failed) leaves it to be read again.
 */
async function applyMembers(
  tx: Tx,
  ctx: StepContext,
  all: MemberListing[],
  { alongside = false } = {},
): Promise<RunCounts> {
  const { run, now } = ctx;
  const everyone = await applyEveryone(
    tx,
    ctx,
    all.filter((l) => l.everyone),
  );
  for (const listing of all.filter((l) => l.gone && l.resumed))
    await clearSeen(tx, run.id, seenMembersOf(listing.groupId));
  const listings = all.filter((l) => !l.everyone && !l.gone);
  const stored = await storedMembers(
    tx,
    listings.map((l) => l.groupId),
  );
  const additions: { groupId: string; externalId: string }[] = [];
  const removals: { groupId: string; userId: string }[] = [];
  for (const listing of listings) {
    const { groupId } = listing;
    const have = stored.get(groupId) ?? new Map<string, string>();
    const listed = new Set(listing.externalIds);
    for (const externalId of listed) if (!have.has(externalId)) additions.push({ groupId, externalId });
    if (listing.next !== null) {
      const keys = await importedUserIds(tx, ctx, [...listed]);
      await markSeen(
        tx,
        run.id,
        seenMembersOf(groupId),
        keys.map((key) => ({ key })),
      );
      continue;
    }
    const staged = new Set(listing.resumed ? await seenKeys(tx, run.id, seenMembersOf(groupId)) : []);
    for (const [externalId, userId] of have) {
      if (!listed.has(externalId) && !staged.has(userId)) removals.push({ groupId, userId });
    }
    if (listing.resumed) await clearSeen(tx, run.id, seenMembersOf(groupId));
  }
  const membershipsAdded = await addMembers(tx, ctx, additions, { alongside });
  if (alongside)
    await markSeen(
      tx,
      run.id,
      SEEN_MEMBERS_READ,
      listings.filter((l) => !l.next).map((l) => ({ key: l.groupId })),
    );
  await markSeen(
    tx,
    run.id,
    SEEN_MEMBER_REMOVALS,
    removals.map((r) => ({ key: memberRemovalKey(r.groupId, r.userId) })),
  );

  await refreshMemberCounts(
    tx,
    all.map((m) => m.groupId),
    now,
  );
  // Alongside the users, a group may still wait for members: read once the users are in.
  if (!alongside) {
    const staged = new Set([...removals.map((r) => r.groupId), ...everyone.staged]);
    await markMembersRead(
      tx,
      all.filter((m) => !m.next && !m.gone && !staged.has(m.groupId)).map((m) => m.groupId),
      now,
    );
  }
  return { membershipsAdded: membershipsAdded + everyone.membershipsAdded };
}

/** The groups' stored members now reflect their directory's last membership change. */
export async function markMembersRead(tx: Tx, groupIds: string[], now: Date): Promise<void> {
  if (groupIds.length === 0) return;
  await tx.$executeRaw`
    UPDATE "UserGroup" SET "membershipsUpdatedAt" = "externalMembershipUpdatedAt", "updatedAt" = ${now}
    WHERE id = ANY(${groupIds}::text[])
      AND "membershipsUpdatedAt" IS DISTINCT FROM "externalMembershipUpdatedAt"`;
}

/** Each group's stored members: external id → user id. */
async function storedMembers(tx: Tx, groupIds: string[]): Promise<Map<string, Map<string, string>>> {
  if (groupIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ groupId: string; members: string }[]>`
    SELECT m."groupId", string_agg(coalesce(u."externalId", '') || ${PAIR} || u.id, ${ITEM}) AS members
    FROM "GroupMembership" m JOIN "DirectoryUser" u ON u.id = m."userId"
    WHERE m."groupId" = ANY(${groupIds}::text[])
    GROUP BY m."groupId"`;
  return new Map(
    rows.map((row) => [
      row.groupId,
      new Map(splitAggregate(row.members).map((pair) => pair.split(PAIR) as [string, string])),
    ]),
  );
}

/** Only the sync's own users who are not deprovisioned are members of anything. */
const importedUser = (ctx: StepContext) => Prisma.sql`
  u."userSyncId" = ${ctx.sync.id} AND u.status <> ${DEPROVISIONED}`;

/**
 * The sync's imported user (`u.id`, or no row) of a directory id: a probe of its unique index for
 * each row, whatever the planner believes (`LIMIT 1` keeps it from planning a join). During a first
 * sync the users table grows faster than its statistics, and a join planned for an empty table
 * read all of the sync's users again for each row: 142 s for one step at 100,000 users.
 */
const importedUserOf = (ctx: StepContext, externalId: Prisma.Sql) => Prisma.sql`
  SELECT u.id FROM "DirectoryUser" u WHERE u."externalId" = ${externalId} AND ${importedUser(ctx)} LIMIT 1`;

async function importedUserIds(tx: Tx, ctx: StepContext, externalIds: string[]): Promise<string[]> {
  const [row] = await tx.$queryRaw<{ ids: string | null }[]>`
    SELECT string_agg(u.id, ${ITEM}) AS ids FROM "DirectoryUser" u
    WHERE ${importedUser(ctx)} AND u."externalId" = ANY(${externalIds}::text[])`;
  return splitAggregate(row?.ids ?? null);
}

/**
 * Adds the listed members whose user is imported. Alongside the users (a full run), those whose
 * user is not imported yet are staged by the user's directory id, with the groups it joins.
 */
async function addMembers(
  tx: Tx,
  ctx: StepContext,
  additions: { groupId: string; externalId: string }[],
  { alongside = false } = {},
): Promise<number> {
  let added = 0;
  for await (const listed of recordsets({ groupId: "text", externalId: "text" }, additions)) {
    added += await tx.$executeRaw`
      INSERT INTO "GroupMembership" ("groupId", "userId", "createdAt")
      SELECT v."groupId", u.id, ${ctx.now}
      FROM ${listed} CROSS JOIN LATERAL (${importedUserOf(ctx, Prisma.sql`v."externalId"`)}) u
      ON CONFLICT DO NOTHING`;
    if (!alongside) continue;
    // A row a user, found by the step that imports it (`resolvePendingMembers`).
    await tx.$executeRaw`
      INSERT INTO "SyncRunSeen" ("syncRunId", scope, key, "externalIds")
      SELECT ${ctx.run.id}, ${SEEN_PENDING_MEMBERS}, v."externalId", string_agg(v."groupId", ${ITEM})
      FROM ${listed}
      WHERE (${importedUserOf(ctx, Prisma.sql`v."externalId"`)}) IS NULL
      GROUP BY v."externalId"
      ON CONFLICT ("syncRunId", scope, key) DO UPDATE
        SET "externalIds" = "SyncRunSeen"."externalIds" || ${ITEM} || excluded."externalIds"`;
  }
  return added;
}

/**
 * The Everyone group's members are the sync's users that are not deprovisioned: two statements,
 * one adding, one staging the removals. Returns the groups with staged removals.
 */
async function applyEveryone(tx: Tx, ctx: StepContext, groups: MemberListing[]) {
  const { run, now } = ctx;
  let membershipsAdded = 0;
  const staged: string[] = [];
  for (const group of groups) {
    // A listing of it begun before this rule leaves staged members: not needed any more.
    if (group.resumed) await clearSeen(tx, run.id, seenMembersOf(group.groupId));
    membershipsAdded += await tx.$executeRaw`
      INSERT INTO "GroupMembership" ("groupId", "userId", "createdAt")
      SELECT ${group.groupId}, u.id, ${now} FROM "DirectoryUser" u
      WHERE ${importedUser(ctx)}
      ON CONFLICT DO NOTHING`;
    const removals = await tx.$executeRaw`
      INSERT INTO "SyncRunSeen" ("syncRunId", scope, key)
      SELECT ${run.id}, ${SEEN_MEMBER_REMOVALS}, m."groupId" || ${PAIR} || m."userId"
      FROM "GroupMembership" m
      WHERE m."groupId" = ${group.groupId}
        AND NOT EXISTS (SELECT 1 FROM "DirectoryUser" u WHERE u.id = m."userId" AND ${importedUser(ctx)})
      ON CONFLICT DO NOTHING`;
    if (removals > 0) staged.push(group.groupId);
  }
  return { membershipsAdded, staged };
}
