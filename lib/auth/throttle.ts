import type { Db } from "@/lib/db";

/** Failures allowed per key in a window before sign-in is refused for a while. */
const LIMITS = { email: 5, ip: 20 } as const;
const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;

export type ThrottleKey = { kind: keyof typeof LIMITS; value: string };

const id = (k: ThrottleKey) => `${k.kind}:${k.value.toLowerCase()}`;

/** Seconds until sign-in is allowed again for any of the keys, or 0. */
export async function lockedFor(db: Db, keys: ThrottleKey[], now = new Date()): Promise<number> {
  const rows = await db.signInThrottle.findMany({ where: { key: { in: keys.map(id) } } });
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

export async function recordFailure(db: Db, keys: ThrottleKey[], now = new Date()): Promise<void> {
  for (const key of keys) {
    const row = await db.signInThrottle.findUnique({ where: { key: id(key) } });
    const fresh = !row || now.getTime() - row.windowStart.getTime() > WINDOW_MS;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= LIMITS[key.kind] ? new Date(now.getTime() + LOCK_MS) : null;
    await db.signInThrottle.upsert({
      where: { key: id(key) },
      create: { key: id(key), failures, windowStart: now, lockedUntil },
      update: { failures, lockedUntil, ...(fresh ? { windowStart: now } : {}) },
    });
  }
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

export async function clearFailures(db: Db, key: ThrottleKey): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key: id(key) } });
}
