import { z } from "zod";
import type { Db, Prisma } from "@/lib/db";
import { isRecordId, recordId, searchText } from "@/lib/input";
import { keysetPage, pagesOf } from "@/lib/pagination";

/** By name: natural, locale-aware order (`nameSortKey`, set by the database from the name). */
/** The user's columns the Users page and its export show; `nameSortKey` and `createdAt` are the keyset's (USER_SORTS). */
const USER_COLUMNS = {
  id: true,
  name: true,
  nameSortKey: true,
  email: true,
  username: true,
  status: true,
  emailVerified: true,
  enrollmentStatus: true,
  createdAt: true,
} satisfies Prisma.DirectoryUserSelect;

export const USER_SORTS = {
  name: { field: "nameSortKey", type: "text", direction: "asc" },
  "-name": { field: "nameSortKey", type: "text", direction: "desc" },
  "-created": { field: "createdAt", type: "date", direction: "desc" },
  created: { field: "createdAt", type: "date", direction: "asc" },
} as const;

/** The Users page's query string, validated: anything unexpected falls back to a default. */
export const userListQuery = z.object({
  q: searchText.optional().catch(undefined),
  status: z
    .string()
    .max(40)
    .regex(/^[A-Z_]+$/)
    .optional()
    .catch(undefined),
  source: recordId.optional().catch(undefined),
  group: recordId.optional().catch(undefined),
  sort: z.enum(Object.keys(USER_SORTS) as [keyof typeof USER_SORTS]).catch("name"),
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});
export type UserListQuery = z.infer<typeof userListQuery>;

export const PAGE_SIZE = 50;
/** The groups a row of the Users page names; the rest are counted ("+2 more"). */
export const GROUPS_SHOWN = 3;

function userFilter(organizationId: string, q: UserListQuery): Prisma.DirectoryUserWhereInput {
  const search = q.q
    ? {
        OR: [
          { name: { contains: q.q, mode: "insensitive" as const } },
          { email: { contains: q.q, mode: "insensitive" as const } },
          { username: { contains: q.q, mode: "insensitive" as const } },
        ],
      }
    : {};
  return {
    organizationId,
    ...(q.status ? { status: q.status } : {}),
    ...(q.source ? { userSyncId: q.source } : {}),
    ...(q.group ? { memberships: { some: { groupId: q.group } } } : {}),
    ...search,
  };
}

/** Matches of a search found by trigram first, when there are at most this many. */
export const SEARCH_PREFETCH = 2000;

/**
 * The users matching a search, by trigram index, when few enough: `{ id: { in } }` then stands
 * for the search. Ordering by name and stopping at a page of matches is planned as a walk of the
 * name index that tests each row with ILIKE on three columns, which reads most of a 100,000-user
 * organization when the matches are few or clustered (a name's first letters); the trigram
 * indexes find them in milliseconds. Counted first (by the same indexes) and read whole, with no
 * LIMIT: a LIMIT brings an ORDER BY id that PostgreSQL may serve by walking the primary key.
 * With more matches, they are dense enough for the walk to find a page soon.
 */
async function searchMatches(db: Db, where: Prisma.DirectoryUserWhereInput, most: number) {
  const total = await db.directoryUser.count({ where });
  if (total > most) return { total, ids: null };
  const matches = await db.directoryUser.findMany({ where, select: { id: true } });
  return { total, ids: matches.map((m) => m.id) };
}

/**
 * The users a filter matches. A group filter alone is the group's member count, which every sync
 * step that changes its members keeps (`refreshMemberCounts`): counting means joining the group's
 * memberships with the users, the larger part of the page's time for a group of 18,000.
 */
async function countUsers(
  db: Db,
  organizationId: string,
  q: UserListQuery,
  where: Prisma.DirectoryUserWhereInput,
): Promise<number> {
  if (q.group && !q.status && !q.source && !q.q) {
    const group = await db.userGroup.findFirst({
      where: { id: q.group, organizationId },
      select: { memberCount: true },
    });
    return group?.memberCount ?? 0;
  }
  return db.directoryUser.count({ where });
}

/**
 * The users a query matches, as a `where`, and their number when a search counted them. Without
 * organizationId when a search found its matches (they are of it): the (organizationId, name, id)
 * index would be walked for the order again, instead of reading the matches by id and sorting them.
 */
async function matchingUsers(db: Db, organizationId: string, q: UserListQuery, searchPrefetch: number) {
  const where = userFilter(organizationId, q);
  const search = q.q ? await searchMatches(db, where, searchPrefetch) : null;
  return { where: search?.ids ? { id: { in: search.ids } } : where, searchTotal: search?.total ?? null };
}

/** One page of the organization's users with their sources and groups. */
export async function listUsers(
  db: Db,
  organizationId: string,
  q: UserListQuery,
  limit = PAGE_SIZE,
  searchPrefetch = SEARCH_PREFETCH,
) {
  const { where, searchTotal } = await matchingUsers(db, organizationId, q, searchPrefetch);
  const [page, total] = await Promise.all([
    keysetPage(USER_SORTS[q.sort], { after: q.after, before: q.before, limit }, (args) =>
      db.directoryUser.findMany({
        where: { AND: [where, args.where] },
        orderBy: args.orderBy,
        take: args.take,
        select: {
          ...USER_COLUMNS,
          userSync: { select: { id: true, name: true, provider: true } },
          memberships: {
            select: { group: { select: { id: true, name: true } } },
            orderBy: { group: { nameSortKey: "asc" } },
            take: GROUPS_SHOWN,
          },
        },
      }),
    ),
    searchTotal ?? countUsers(db, organizationId, q, where),
  ]);
  // Counted for this page's users only: Prisma's `_count` of a relation aggregates the whole
  // GroupMembership table before joining (hundreds of ms at 100,000 users).
  const counts = await db.groupMembership.groupBy({
    by: ["userId"],
    where: { userId: { in: page.items.map((u) => u.id) } },
    _count: { _all: true },
  });
  const countOf = new Map(counts.map((c) => [c.userId, c._count._all]));
  const items = page.items.map((u) => ({ ...u, _count: { memberships: countOf.get(u.id) ?? 0 } }));
  return { ...page, items, total };
}

export type UserRow = Awaited<ReturnType<typeof listUsers>>["items"][number];

/** What the CSV export reads of each user (lib/users/export.ts). */
const exportFields = {
  ...USER_COLUMNS,
  externalId: true,
  updatedAt: true,
  userSyncId: true,
} satisfies Prisma.DirectoryUserSelect;

export type ExportedUser = Prisma.DirectoryUserGetPayload<{ select: typeof exportFields }> & {
  /** The name of the sync that imported the user, null for users of the dashboard. */
  source: string | null;
};

/**
 * Every user the Users page's query matches (its filters, search and order; every page, whatever
 * page it shows), `pageSize` at a time by keyset, each page read only when asked for. The syncs'
 * names are read once, not joined to each page: Prisma's relation reads also kept some memory per
 * query (9 MB more after 50 pages of 2,000 users).
 */
export function usersToExport(
  db: Db,
  organizationId: string,
  q: UserListQuery,
  pageSize: number,
  searchPrefetch = SEARCH_PREFETCH,
): AsyncIterableIterator<ExportedUser[]> {
  let setup: Promise<[{ where: Prisma.DirectoryUserWhereInput }, Map<string, string>]> | undefined;
  return pagesOf<string | undefined, ExportedUser>(undefined, async (after) => {
    // On the first page, not before: nothing is read until the export's reader asks.
    setup ??= Promise.all([
      matchingUsers(db, organizationId, q, searchPrefetch),
      db.userSync
        .findMany({ where: { organizationId }, select: { id: true, name: true } })
        .then((syncs) => new Map(syncs.map((sync) => [sync.id, sync.name]))),
    ]);
    const [{ where }, sourceOf] = await setup;
    const page = await keysetPage(USER_SORTS[q.sort], { after, limit: pageSize }, (args) =>
      db.directoryUser.findMany({
        where: { AND: [where, args.where] },
        orderBy: args.orderBy,
        take: args.take,
        select: exportFields,
      }),
    );
    return {
      items: page.items.map((user) => ({
        ...user,
        source: user.userSyncId ? (sourceOf.get(user.userSyncId) ?? null) : null,
      })),
      next: page.next,
    };
  });
}

/** A user of the organization, or null — an id from another organization finds nothing. */
export async function getUser(db: Db, organizationId: string, userId: string) {
  if (!isRecordId(userId)) return null;
  return db.directoryUser.findFirst({
    where: { id: userId, organizationId },
    include: {
      userSync: { select: { id: true, name: true, provider: true } },
      memberships: {
        include: { group: { select: { id: true, name: true, description: true } } },
        orderBy: { group: { nameSortKey: "asc" } },
      },
    },
  });
}

/** The runs that changed or failed on this user, newest first. */
export async function userSyncHistory(
  db: Db,
  user: { externalId: string | null; userSyncId: string | null },
) {
  if (!user.externalId || !user.userSyncId) return [];
  return db.syncRunItem.findMany({
    where: { externalId: user.externalId, syncRun: { userSyncId: user.userSyncId } },
    orderBy: { createdAt: "desc" },
    take: 20,
    include: { syncRun: { select: { id: true, trigger: true, status: true, startedAt: true } } },
  });
}

/** Values for the filters: statuses present, sources, groups. */
export async function userFilterOptions(db: Db, organizationId: string) {
  const [statuses, sources, groups] = await Promise.all([
    statusesOf(db, organizationId),
    db.userSync.findMany({
      where: { organizationId },
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    }),
    db.userGroup.findMany({
      where: { organizationId },
      select: { id: true, name: true },
      orderBy: [{ nameSortKey: "asc" }, { id: "asc" }],
      take: 500,
    }),
  ]);
  return { statuses, sources, groups };
}

/**
 * The statuses present, one index probe each on (organizationId, status) (a loose index scan):
 * a GROUP BY reads every user of the organization, some 40 ms at 100,000 users.
 */
async function statusesOf(db: Db, organizationId: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ status: string }[]>`
    WITH RECURSIVE s(status) AS (
      SELECT min(status) FROM "DirectoryUser" WHERE "organizationId" = ${organizationId}
      UNION ALL
      SELECT (SELECT min(status) FROM "DirectoryUser" WHERE "organizationId" = ${organizationId} AND status > s.status)
      FROM s WHERE s.status IS NOT NULL
    )
    SELECT status FROM s WHERE status IS NOT NULL`;
  return rows.map((r) => r.status);
}
