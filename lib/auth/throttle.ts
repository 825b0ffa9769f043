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

export async function clearFailures(db: Db, key: ThrottleKey): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key: id(key) } });
}
