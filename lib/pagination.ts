import { z } from "zod";
import { recordId } from "@/lib/input";

/**
 * Keyset pagination over (sort field, id): each page is found by an indexed range scan, so a deep
 * page of 100,000 users costs what the first one does (OFFSET would scan everything before it).
 */

export type SortDirection = "asc" | "desc";

export interface KeysetOrder<F extends string> {
  field: F;
  /** The sort field's type: a cursor carrying the other type is refused, not sent to the database. */
  type: "text" | "date";
  direction: SortDirection;
}

export interface PageRequest {
  /** The cursor of the last row of the previous page (next page). */
  after?: string;
  /** The cursor of the first row of the following page (previous page). */
  before?: string;
  limit: number;
}

export interface KeysetPage<T> {
  items: T[];
  next: string | null;
  prev: string | null;
}

// Dates travel as epoch milliseconds; text never holds NUL (PostgreSQL cannot store it).
const MAX_EPOCH_MS = 8.64e15;
const cursorShape = z.tuple([
  z.union([
    z
      .string()
      .max(1000)
      .refine((text) => !text.includes("\u0000")),
    z.number().int().min(-MAX_EPOCH_MS).max(MAX_EPOCH_MS),
  ]),
  recordId,
]);

export function encodeCursor(value: string | Date, id: string): string {
  return Buffer.from(JSON.stringify([value instanceof Date ? value.getTime() : value, id])).toString(
    "base64url",
  );
}

/**
 * A cursor from a URL is untrusted: anything malformed, or made for a field of the other type,
 * means "from the start".
 */
export function decodeCursor(
  cursor: string | undefined,
  type: KeysetOrder<string>["type"],
): [string | Date, string] | null {
  if (!cursor || cursor.length > 2000) return null;
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (!parsed.success) return null;
    const [value, id] = parsed.data;
    if (typeof value === "number") return type === "date" ? [new Date(value), id] : null;
    return type === "text" ? [value, id] : null;
  } catch {
    return null;
  }
}

/**
 * Runs a keyset query. `find` receives a Prisma-style `where` fragment for the cursor, the
 * `orderBy` and `take`; it adds its own filters.
 */
export async function keysetPage<F extends string, T extends { id: string } & Record<F, string | Date>>(
  order: KeysetOrder<F>,
  page: PageRequest,
  find: (args: { where: object; orderBy: object[]; take: number }) => Promise<T[]>,
): Promise<KeysetPage<T>> {
  const backwards = !page.after && Boolean(page.before);
  const cursor = decodeCursor(backwards ? page.before : page.after, order.type);
  const direction: SortDirection = backwards ? flip(order.direction) : order.direction;
  const op = direction === "asc" ? "gt" : "lt";
  // (field, id) after the cursor, written so that the index on (…, field, id) can start at the
  // cursor: `field >= v AND (field > v OR id > i)`. The plain `field > v OR (field = v AND id > i)`
  // is the same rows, but PostgreSQL then scans every row before the cursor (a deep page of
  // 100,000 users took 160 ms instead of a first page's few).
  const where = cursor
    ? {
        AND: [
          { [order.field]: { [`${op}e`]: cursor[0] } },
          { OR: [{ [order.field]: { [op]: cursor[0] } }, { id: { [op]: cursor[1] } }] },
        ],
      }
    : {};
  const rows = await find({
    where,
    orderBy: [{ [order.field]: direction }, { id: direction }],
    take: page.limit + 1,
  });
  const hasMore = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  if (backwards) items.reverse();
  const first = items[0];
  const last = items.at(-1);
  const key = (row: T) => encodeCursor(row[order.field], row.id);
  return {
    items,
    next: last && (backwards || hasMore) ? key(last) : null,
    prev: first && (backwards ? hasMore : Boolean(cursor)) ? key(first) : null,
  };
}

const flip = (d: SortDirection): SortDirection => (d === "asc" ? "desc" : "asc");

/**
 * Every page of a paginated read, one per `next()`, each read only when asked for (an export
 * streams them): `read` gets a cursor (`first`, then each page's `next`) and returns the page's
 * items and the next cursor, null after the last page. An iterator object rather than an async
 * generator: a generator waiting at `yield` keeps its last page alive until it is resumed, and
 * for a slow client that is long enough for the garbage collector to move every page to the old
 * generation, which grows the process by most of the export before a full collection.
 */
export function pagesOf<C, T>(
  first: C,
  read: (cursor: C) => Promise<{ items: T[]; next: C | null }>,
): AsyncIterableIterator<T[]> {
  let cursor: C | null = first;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (cursor === null) return { done: true, value: undefined };
      const page = await read(cursor);
      cursor = page.next;
      return { done: false, value: page.items };
    },
    async return() {
      cursor = null;
      return { done: true, value: undefined };
    },
  };
}
