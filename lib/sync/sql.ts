import { Prisma } from "@/lib/db";

/** The client a step's writes go through: the transaction that also moves the checkpoint. */
export type Tx = Prisma.TransactionClient;

type ColumnType = "text" | "jsonb" | "boolean" | "timestamp(3)";

/**
 * Updates many rows of `table` to different values in one statement (Prisma's updateMany sets
 * the same values on every row). Rows travel as one JSON parameter; table and column names
 * come from the code, never from data.
 */
export async function updateRows<Row extends { id: string }>(
  tx: Tx,
  table: "DirectoryUser" | "UserGroup",
  columns: { [K in Exclude<keyof Row, "id">]: ColumnType },
  rows: Row[],
  updatedAt: Date,
): Promise<void> {
  if (rows.length === 0) return;
  const entries = Object.entries(columns) as [string, ColumnType][];
  const set = entries.map(([name]) => `"${name}" = v."${name}"`).join(", ");
  const shape = [`id text`, ...entries.map(([name, type]) => `"${name}" ${type}`)].join(", ");
  await tx.$executeRaw`
    UPDATE ${Prisma.raw(`"${table}"`)} AS t SET ${Prisma.raw(set)}, "updatedAt" = ${updatedAt}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(${Prisma.raw(shape)})
    WHERE t.id = v.id`;
}

/**
 * Serialises the user writes of an organization's syncs (two syncs may claim one email), for
 * the rest of the transaction.
 */
export async function lockOrganizationUsers(tx: Tx, organizationId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`directory-users:${organizationId}`}))`;
}

/** Recounts `UserGroup.memberCount` of these groups, writing only those that changed. */
export async function refreshMemberCounts(tx: Tx, groupIds: string[], updatedAt: Date): Promise<void> {
  if (groupIds.length === 0) return;
  await tx.$executeRaw`
    UPDATE "UserGroup" AS g SET "memberCount" = c.n, "updatedAt" = ${updatedAt}
    FROM (
      SELECT g2.id, count(m."userId")::int AS n
      FROM "UserGroup" g2 LEFT JOIN "GroupMembership" m ON m."groupId" = g2.id
      WHERE g2.id = ANY(${groupIds}::text[])
      GROUP BY g2.id
    ) AS c
    WHERE g.id = c.id AND g."memberCount" <> c.n`;
}
