import type { Db } from "@/lib/db";

/** Minimum time between two runs of a scheduled sync (a little under the period, so ticks never drift past it). */
const PERIOD_MS = { HOURLY: 55 * 60_000, DAILY: 23 * 3_600_000 + 55 * 60_000 } as const;

/**
 * The syncs whose schedule says they should run now: hourly or daily, idle, and whose latest
 * run (of any trigger) was queued at least one period ago.
 */
export async function dueUserSyncs(db: Db, now: Date): Promise<{ id: string; organizationId: string }[]> {
  const syncs = await db.userSync.findMany({
    where: { schedule: { in: ["HOURLY", "DAILY"] }, activeRunId: null },
    select: {
      id: true,
      organizationId: true,
      schedule: true,
      runs: { orderBy: { queuedAt: "desc" }, take: 1, select: { queuedAt: true } },
    },
  });
  return syncs
    .filter((sync) => {
      const last = sync.runs[0]?.queuedAt;
      const period = PERIOD_MS[sync.schedule as keyof typeof PERIOD_MS];
      return !last || now.getTime() - last.getTime() >= period;
    })
    .map(({ id, organizationId }) => ({ id, organizationId }));
}
