/**
 * A sync's health: an incident opens when a scheduled sync has failed `alertAfterFailures` runs in
 * a row, or has gone `alertAfterHours` without a successful run (with a failed run since, and no
 * run in progress), and closes with the next successful run, in the transaction that ends it.
 * The Owners and Administrators get one alert per incident (lib/email `sendHealthAlert`); the
 * sync's page and the User Sync list show it until it closes.
 *
 * Detectors (the schedule's tick, a run that failed) may run at once: each reads and opens the
 * incident under a lock of the sync's row, so a run completing meanwhile is either seen or clears
 * the incident right after, and the incident opens once (compare-and-set on
 * `healthIncidentSince`).
 */
import type { Db, SyncRunStatus, UserSync } from "@/lib/db";
import type { Tx } from "./sql";

/**
 * The runs that end an incident: PARTIAL completed too (its refused users are data to fix in Okta,
 * listed in its report, not a sync that cannot run). CANCELLED runs neither count as failures nor
 * end a streak; runs in progress are not judged.
 */
export const HEALTHY_STATUSES: SyncRunStatus[] = ["SUCCEEDED", "PARTIAL"];

export const DEFAULT_ALERT_AFTER_FAILURES = 3;
export const DEFAULT_ALERT_AFTER_HOURS = 24;

/** What the runs since the last successful one say. */
export interface HealthFacts {
  /** FAILED runs since the last successful run. */
  failures: number;
  /** The end of the last successful run; null when none ever succeeded. */
  lastSuccessAt: Date | null;
  /** Where the time without success counts from: the last success's end, else the first run's queueing. */
  withoutSuccessSince: Date | null;
  /** The latest of those failures: its error is already redacted (`describeError`). */
  lastFailure: { id: string; finishedAt: Date | null; error: string | null } | null;
}

type HealthSettings = Pick<UserSync, "schedule" | "alertAfterFailures" | "alertAfterHours" | "activeRunId">;

/** Whether the facts open an incident. Only scheduled syncs, and only after a failed run. */
export function isUnhealthy(sync: HealthSettings, facts: HealthFacts, now: Date): boolean {
  if (sync.schedule === "OFF" || facts.failures === 0) return false;
  if (facts.failures >= sync.alertAfterFailures) return true;
  // A run in progress may still succeed: the clock is judged between runs only.
  if (sync.activeRunId !== null || facts.withoutSuccessSince === null) return false;
  return now.getTime() - facts.withoutSuccessSince.getTime() >= sync.alertAfterHours * 3_600_000;
}

/**
 * The runs were queued one at a time (one active run per sync): queueing order is their order.
 * Previews are not syncs: one that fails or succeeds says nothing of the sync's health.
 */
export async function healthFacts(db: Db | Tx, userSyncId: string): Promise<HealthFacts> {
  const lastSuccess = await db.syncRun.findFirst({
    where: { userSyncId, preview: false, status: { in: HEALTHY_STATUSES } },
    orderBy: { queuedAt: "desc" },
    select: { queuedAt: true, finishedAt: true },
  });
  const failed = {
    userSyncId,
    preview: false,
    status: "FAILED" as const,
    ...(lastSuccess && { queuedAt: { gt: lastSuccess.queuedAt } }),
  };
  const failures = await db.syncRun.count({ where: failed });
  const lastFailure = await db.syncRun.findFirst({
    where: failed,
    orderBy: { queuedAt: "desc" },
    select: { id: true, finishedAt: true, error: true },
  });
  const firstRun = lastSuccess
    ? null
    : await db.syncRun.findFirst({
        where: { userSyncId, preview: false },
        orderBy: { queuedAt: "asc" },
        select: { queuedAt: true },
      });
  return {
    failures,
    lastSuccessAt: lastSuccess?.finishedAt ?? null,
    withoutSuccessSince: lastSuccess?.finishedAt ?? firstRun?.queuedAt ?? null,
    lastFailure,
  };
}

/**
 * The detector: opens the sync's incident when its condition holds and none is open. True when
 * the incident is open and its alert not yet sent, i.e. the caller should send it
 * (`sendHealthAlert` is idempotent, so concurrent callers still make one email).
 */
export async function detectHealthIncident(db: Db, userSyncId: string, now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    // Serialises with other detectors and with the run that ends (its transaction updates this row).
    await tx.$queryRaw`SELECT 1 FROM "UserSync" WHERE "id" = ${userSyncId} FOR UPDATE`;
    const sync = await tx.userSync.findUnique({ where: { id: userSyncId } });
    if (!sync) return false;
    if (sync.healthIncidentSince) return sync.healthAlertSentAt === null;
    if (!isUnhealthy(sync, await healthFacts(tx, userSyncId), now)) return false;
    const opened = await tx.userSync.updateMany({
      where: { id: userSyncId, healthIncidentSince: null },
      data: { healthIncidentSince: now, healthAlertSentAt: null },
    });
    return opened.count === 1;
  });
}

/**
 * The schedule's periodic check (the time without success needs one): every scheduled sync, and
 * any incident whose alert has not gone out yet (a send that failed). The ids owing an alert.
 */
export async function detectHealthIncidents(db: Db, now: Date): Promise<string[]> {
  const syncs = await db.userSync.findMany({
    where: {
      OR: [{ schedule: { not: "OFF" } }, { healthIncidentSince: { not: null }, healthAlertSentAt: null }],
    },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const owed: string[] = [];
  for (const { id } of syncs) if (await detectHealthIncident(db, id, now)) owed.push(id);
  return owed;
}

/** A successful run ends the incident: called in the transaction that ends the run. */
export async function closeHealthIncident(tx: Tx, userSyncId: string): Promise<void> {
  await tx.userSync.updateMany({
    where: { id: userSyncId, healthIncidentSince: { not: null } },
    data: { healthIncidentSince: null, healthAlertSentAt: null },
  });
}

/** Records that the alert of this incident (opened at `since`) went out; a later incident is left alone. */
export async function markHealthAlertSent(db: Db, userSyncId: string, since: Date, at: Date): Promise<void> {
  await db.userSync.updateMany({
    where: { id: userSyncId, healthIncidentSince: since, healthAlertSentAt: null },
    data: { healthAlertSentAt: at },
  });
}

/** An open incident as the banners and the alert show it. */
export interface HealthIncident extends HealthFacts {
  userSyncId: string;
  name: string;
  since: Date;
  alertSentAt: Date | null;
}

/** The open incidents of the organization's syncs (or of one sync), by name. */
export async function listHealthIncidents(
  db: Db,
  organizationId: string,
  userSyncId?: string,
): Promise<HealthIncident[]> {
  const syncs = await db.userSync.findMany({
    where: { organizationId, healthIncidentSince: { not: null }, ...(userSyncId && { id: userSyncId }) },
    select: { id: true, name: true, healthIncidentSince: true, healthAlertSentAt: true },
    orderBy: { name: "asc" },
  });
  return Promise.all(
    syncs.map(async (sync) => ({
      userSyncId: sync.id,
      name: sync.name,
      since: sync.healthIncidentSince as Date,
      alertSentAt: sync.healthAlertSentAt,
      ...(await healthFacts(db, sync.id)),
    })),
  );
}
