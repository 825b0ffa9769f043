import { yielder } from "@/lib/async/yield";
import { Prisma } from "@/lib/db";

/** The client a step's writes go through: the transaction that also moves the checkpoint. */
export type Tx = Prisma.TransactionClient;

/*
 * Bulk writes of a step: each is one statement whose rows travel as a single JSON parameter
 * (jsonb_to_recordset), so PostgreSQL parses them rather than the client building thousands of
 * bind parameters; Prisma's createMany spends most of a large batch in the client's CPU. The
 * JSON is built a row at a time, yielding to the event loop (`yielder`), and a large batch is
 * split (`recordsets`): the steps share the app's process with its pages. Table and column names
 * come from the code, never from data.
 */

type Table =
  | "DirectoryUser"
  | "UserGroup"
  | "SyncRunItem"
  | "SyncRunSeen"
  | "SyncRunChange"
  | "SyncRunPreviewUser"
  | "SyncAttention"
  | "GroupMembership";
type ColumnType =
  | "text"
  | "integer"
  | "jsonb"
  | "boolean"
  | "timestamp(3)"
  | '"EnrollmentStatus"'
  | '"SyncRunItemKind"'
  | '"SyncAttentionCode"';
/** The PostgreSQL type of each column of a row, for the statement's record set. */
export type Columns<Row> = { [K in keyof Row]-?: ColumnType };

export const quoted = (names: string[]) => names.map((name) => `"${name}"`).join(", ");

/**
 * The JSON a bulk statement carries at most (UTF-16 units). Prisma passes a raw statement's
 * parameters through JSON.stringify and JSON.parse, each in one go: about 25 ms a megabyte of
 * rows, so a step's 10,000 users (Entra ID's pages of 999) in one statement held the event loop
 * half a second. A larger batch is written in several statements.
 */
const MAX_BATCH_CHARS = 256 * 1024;

/**
 * The rows as record sets named `v`, for the FROM of one statement each: as many as their JSON
 * needs (`MAX_BATCH_CHARS`), built a row at a time (`yielder`).
 */
export async function* recordsets<Row extends object>(
  columns: Columns<Row>,
  rows: Row[],
): AsyncGenerator<Prisma.Sql> {
  const shape = Prisma.raw(
    Object.entries(columns)
      .map(([name, type]) => `"${name}" ${type}`)
      .join(", "),
  );
  const batch = (texts: string[]) =>
    Prisma.sql`jsonb_to_recordset(${`[${texts.join(",")}]`}::jsonb) AS v(${shape})`;
  const pause = yielder();
  let texts: string[] = [];
  let chars = 0;
  for (const row of rows) {
    await pause();
    const text = JSON.stringify(row);
    if (texts.length > 0 && chars + text.length > MAX_BATCH_CHARS) {
      yield batch(texts);
      texts = [];
      chars = 0;
    }
    texts.push(text);
    chars += text.length + 1;
  }
  if (texts.length > 0) yield batch(texts);
}

/**
 * Directory text as a refusal records it: PostgreSQL stores no NUL character (one would fail the
 * step's whole write, the very refusal that names it), so each becomes U+FFFD; at most `max` UTF-16
 * units, without splitting a surrogate pair (JSON would carry half of one, which jsonb refuses).
 */
export function storableText(text: string, max = 1000): string {
  const clean = text.replaceAll("\0", "\uFFFD");
  return clean.length <= max ? clean : `${clean.slice(0, max).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/**
 * The texts as a subquery for `IN`, in one JSON parameter (ids from the directory may hold
 * anything). A text with a NUL matches nothing stored, and jsonb refuses one: it is left out.
 */
export const textSet = (texts: string[]): Prisma.Sql =>
  Prisma.sql`(SELECT jsonb_array_elements_text(${JSON.stringify(texts.filter((text) => !text.includes("\0")))}::jsonb))`;

/*
 * Aggregates of ids travel as one text per group (ids never hold these control characters): a
 * group of 20,000 members is one string to split, not 20,000 rows for the client to build.
 */
export const ITEM = "\u001f";
export const PAIR = "\u001e";
export const splitAggregate = (text: string | null): string[] => (text ? text.split(ITEM) : []);

/**
 * Inserts the rows; returns how many were written. A duplicate is skipped when asked, or handled
 * by `onConflict` (an `ON CONFLICT … DO UPDATE` clause).
 */
export async function insertRows<Row extends object>(
  tx: Tx,
  table: Table,
  columns: Columns<Row>,
  rows: Row[],
  { skipDuplicates = false, onConflict }: { skipDuplicates?: boolean; onConflict?: Prisma.Sql } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = quoted(Object.keys(columns));
  const conflict = onConflict ?? (skipDuplicates ? Prisma.sql`ON CONFLICT DO NOTHING` : Prisma.empty);
  let written = 0;
  for await (const values of recordsets(columns, rows)) {
    written += await tx.$executeRaw`
      INSERT INTO ${Prisma.raw(`"${table}"`)} (${Prisma.raw(names)})
      SELECT ${Prisma.raw(names)} FROM ${values}
      ${conflict}`;
  }
  return written;
}

/** Sets each row (by id) to its own values, and `updatedAt`. */
export async function updateRows<Row extends { id: string }>(
  tx: Tx,
  table: "DirectoryUser" | "UserGroup",
  columns: Columns<Row>,
  rows: Row[],
  updatedAt: Date,
): Promise<void> {
  if (rows.length === 0) return;
  const set = Object.keys(columns)
    .filter((name) => name !== "id")
    .map((name) => `"${name}" = v."${name}"`);
  for await (const values of recordsets(columns, rows)) {
    await tx.$executeRaw`
      UPDATE ${Prisma.raw(`"${table}"`)} AS t SET ${Prisma.raw(set.join(", "))}, "updatedAt" = ${updatedAt}
      FROM ${values}
      WHERE t.id = v.id`;
  }
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
