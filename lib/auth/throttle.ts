import { type Db, Prisma } from "@/lib/db";

/** Failed attempts allowed per key in a window (more than one) before sign-in is refused for a while. */
const LIMITS = { email: 5, ip: 20 } as const;
const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;

export type ThrottleKey = { kind: keyof typeof LIMITS; value: string };

const id = (k: ThrottleKey) => `${k.kind}:${k.value.toLowerCase()}`;

/** One attempt counted against one key, in the window that started at `windowStart`. */
interface Slot {
  key: ThrottleKey;
  windowStart: Date;
}

/** An attempt allowed to check a password: it holds a slot of every key's budget. */
export interface Attempt {
  slots: Slot[];
}

/**
 * Counts an attempt against every key BEFORE its password is checked, each in one atomic
 * statement, so that concurrent attempts cannot all read "not locked yet" and all be checked: at
 * most the limit of attempts per key and window reach a password check, whatever their number or
 * timing. The attempt counts as a failure unless `attemptSucceeded` gives it back. Null when a key
 * is at its limit or locked; nothing then stays counted for this attempt.
 */
export async function beginAttempt(db: Db, keys: ThrottleKey[], now = new Date()): Promise<Attempt | null> {
  const slots: Slot[] = [];
  for (const key of keys) {
    const slot = await takeSlot(db, key, now);
    if (!slot) {
      for (const taken of slots) await giveBack(db, taken);
      return null;
    }
    slots.push(slot);
  }
  return { slots };
}

/** The password was right: the attempt is not a failure, so every key gets its slot back. */
export async function attemptSucceeded(db: Db, attempt: Attempt): Promise<void> {
  for (const slot of attempt.slots) await giveBack(db, slot);
}

/**
 * A new window once the old one and its lock are over; else one more attempt, counted up to
 * limit + 1 only (refused attempts are not counted, so giving a slot back restores the true
 * count). The attempt that reaches the limit locks the key for LOCK_MS.
 */
async function takeSlot(db: Db, key: ThrottleKey, now: Date): Promise<Slot | null> {
  const limit = LIMITS[key.kind];
  const windowOver = new Date(now.getTime() - WINDOW_MS);
  const lockedUntil = new Date(now.getTime() + LOCK_MS);
  const expired = Prisma.sql`(t."windowStart" <= ${windowOver} AND COALESCE(t."lockedUntil" <= ${now}, true))`;
  const [row] = await db.$queryRaw<{ failures: number; windowStart: Date }[]>`
    INSERT INTO "SignInThrottle" AS t ("key", "failures", "windowStart", "lockedUntil")
    VALUES (${id(key)}, 1, ${now}, NULL)
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN ${expired} THEN 1 ELSE LEAST(t."failures" + 1, ${limit + 1}) END,
      "windowStart" = CASE WHEN ${expired} THEN ${now} ELSE t."windowStart" END,
      "lockedUntil" = CASE
        WHEN ${expired} THEN NULL
        WHEN t."failures" + 1 = ${limit} THEN ${lockedUntil}
        ELSE t."lockedUntil" END
    RETURNING "failures", "windowStart"`;
  return row && row.failures <= limit ? { key, windowStart: row.windowStart } : null;
}

/** Uncounts a slot, unless its window has been replaced since (then it no longer counts anyway). */
async function giveBack(db: Db, { key, windowStart }: Slot): Promise<void> {
  await db.$executeRaw`
    UPDATE "SignInThrottle"
    SET "failures" = LEAST("failures", ${LIMITS[key.kind]}) - 1, "lockedUntil" = NULL
    WHERE "key" = ${id(key)} AND "windowStart" = ${windowStart}`;
}

/**
 * The address a sign-in comes from, as the nearest proxy saw it: the `TRUSTED_PROXY_HOPS`-th
 * X-Forwarded-For entry from the right (default 1). Entries further left are whatever the client
 * sent, so counting them would let an attacker pick a fresh address for every guess. (Next sets the
 * header to the socket's address only when the request has none: the app must sit behind a proxy
 * that sets or appends it.)
 */
export function clientAddress(
  headers: Headers,
  env: Record<string, string | undefined> = process.env,
): string {
  const hops = Math.max(1, Number.parseInt(env.TRUSTED_PROXY_HOPS ?? "1", 10) || 1);
  const chain = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return chain[Math.max(0, chain.length - hops)] ?? "unknown";
}
