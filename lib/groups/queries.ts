import { z } from "zod";
import type { Db, Prisma } from "@/lib/db";
import { isRecordId, recordId, searchText } from "@/lib/input";
import { keysetPage } from "@/lib/pagination";

export const groupListQuery = z.object({
  q: searchText.optional().catch(undefined),
  source: recordId.optional().catch(undefined),
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});
export type GroupListQuery = z.infer<typeof groupListQuery>;

export const memberListQuery = z.object({
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});

/** Natural, locale-aware order: `nameSortKey`, set by the database from the name. */
const BY_NAME = { field: "nameSortKey", type: "text", direction: "asc" } as const;

export async function listGroups(db: Db, organizationId: string, q: GroupListQuery, limit = 50) {
  const where: Prisma.UserGroupWhereInput = {
    organizationId,
    ...(q.source ? { userSyncId: q.source } : {}),
    ...(q.q
      ? {
          OR: [
            { name: { contains: q.q, mode: "insensitive" } },
            { description: { contains: q.q, mode: "insensitive" } },
          ],
        }
      : {}),
  };
  const [page, total] = await Promise.all([
    keysetPage(BY_NAME, { after: q.after, before: q.before, limit }, (args) =>
      db.userGroup.findMany({
        where: { AND: [where, args.where] },
        orderBy: args.orderBy,
        take: args.take,
        include: { userSync: { select: { id: true, name: true, provider: true } } },
      }),
    ),
    db.userGroup.count({ where }),
  ]);
  return { ...page, total };
}

/** A group of the organization, or null for an id from elsewhere. */
export async function getGroup(db: Db, organizationId: string, groupId: string) {
  if (!isRecordId(groupId)) return null;
  return db.userGroup.findFirst({
    where: { id: groupId, organizationId },
    include: { userSync: { select: { id: true, name: true, provider: true } } },
  });
}

export async function listGroupMembers(
  db: Db,
  groupId: string,
  q: z.infer<typeof memberListQuery>,
  limit = 50,
) {
  return keysetPage(BY_NAME, { after: q.after, before: q.before, limit }, (args) =>
    db.directoryUser.findMany({
      where: { AND: [{ memberships: { some: { groupId } } }, args.where] },
      orderBy: args.orderBy,
      take: args.take,
      select: { id: true, name: true, nameSortKey: true, email: true, username: true, status: true },
    }),
  );
}
