import SafeguardAlertEmail, { safeguardAlertSubject } from "@/emails/safeguard-alert";
import SyncHealthAlertEmail, { syncHealthAlertSubject } from "@/emails/sync-health-alert";
import SyncReportEmail, { type FinishedRunStatus, syncReportSubject } from "@/emails/sync-report";
import { appUrl } from "@/lib/app-url";
import type { Db, Email, SyncRunStatus } from "@/lib/db";
import { healthFacts, markHealthAlertSent } from "@/lib/sync/health";
import { countAttention } from "@/lib/user-sync/attention";
import { PROVIDER_LABEL } from "@/lib/user-sync/form";
import { runReading, runReadingLabel } from "@/lib/user-sync/run-mode";
import { redactSecrets } from "./redact";
import { renderEmail } from "./render";
import { type EmailMessage, MAX_BATCH_SIZE, sendEmail, sendEmailBatch } from "./send";

const FINISHED: SyncRunStatus[] = ["SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED", "BLOCKED"];
/** How many per-user errors a report lists; the run page has them all. */
export const REPORT_ERROR_LIMIT = 10;

export function runUrl(userSyncId: string, runId: string): string {
  return appUrl(`/user-management/user-sync/${userSyncId}/runs/${runId}`);
}

export function attentionUrl(userSyncId: string): string {
  return appUrl(`/user-management/user-sync/${userSyncId}/attention`);
}

const person = (user: { name: string | null; email: string }) =>
  user.name ? `${user.name} (${user.email})` : user.email;

function loadRun(db: Db, syncRunId: string) {
  return db.syncRun.findUniqueOrThrow({
    where: { id: syncRunId },
    include: { organization: true, startedBy: true, userSync: { include: { createdBy: true } } },
  });
}

/**
 * The sync report of a finished run, to the admin who started it (scheduled runs: the sync's
 * owner). One per run and final status: a retried step, or a second call, does not send it again.
 * Null when the run has no one to tell (its starter and the sync's owner are gone).
 */
export async function sendSyncReport(db: Db, syncRunId: string): Promise<Email | null> {
  const run = await loadRun(db, syncRunId);
  if (!FINISHED.includes(run.status)) throw new Error(`Sync run ${run.id} has not finished (${run.status}).`);
  const recipient = run.startedBy ?? run.userSync.createdBy;
  // A preview sends nothing: the admin who started it reads it on its page.
  if (!recipient || run.preview) return null;
  const where = { syncRunId, kind: "ERROR" as const };
  const [errors, errorCount, attentionCount] = await Promise.all([
    db.syncRunItem.findMany({ where, orderBy: { createdAt: "asc" }, take: REPORT_ERROR_LIMIT }),
    db.syncRunItem.count({ where }),
    countAttention(db, run.userSyncId),
  ]);
  const props = {
    organizationName: run.organization.name,
    providerLabel: PROVIDER_LABEL[run.userSync.provider],
    provider: run.userSync.provider,
    syncName: run.userSync.name,
    status: run.status as FinishedRunStatus,
    trigger: run.trigger,
    startedBy: run.startedBy ? person(run.startedBy) : null,
    startedAt: run.startedAt ?? run.queuedAt,
    durationMs: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    counts: run,
    errors: errors.map((e) => ({
      userKey: e.userKey,
      reason: redactSecrets(e.reason ?? "No reason recorded."),
    })),
    errorCount,
    runError: run.error ? redactSecrets(run.error) : null,
    reading: runReadingLabel(run, run.userSync.provider),
    logChanges: run.startedAt && runReading(run) === "delta" ? run.logChanges : null,
    fallback: run.fallback ? redactSecrets(run.fallback) : null,
    pendingRemovals: run.pendingRemovals,
    pendingGroupRemovals: run.pendingGroupRemovals,
    pendingMembershipRemovals: run.pendingMembershipRemovals,
    runUrl: runUrl(run.userSyncId, run.id),
    attentionCount,
    attentionUrl: attentionUrl(run.userSyncId),
  };
  return sendEmail(db, {
    template: "sync-report",
    to: recipient.email,
    subject: syncReportSubject(props),
    ...(await renderEmail(<SyncReportEmail {...props} />)),
    idempotencyKey: `sync-report:${run.id}:${run.status}`,
    organizationId: run.organizationId,
    syncRunId: run.id,
  });
}

/**
 * Tells the organization's Owners and Administrators that a run waits at the safeguard, with
 * what it would remove. One alert per run and recipient.
 */
export async function sendSafeguardAlert(db: Db, syncRunId: string): Promise<Email[]> {
  const run = await loadRun(db, syncRunId);
  if (run.status !== "BLOCKED" || run.pendingRemovals === null)
    throw new Error(`Sync run ${run.id} is not waiting at the safeguard.`);
  const totalUsers = await db.directoryUser.count({
    where: { userSyncId: run.userSyncId, status: { not: "DEPROVISIONED" } },
  });
  const props = {
    organizationName: run.organization.name,
    providerLabel: PROVIDER_LABEL[run.userSync.provider],
    syncName: run.userSync.name,
    pendingRemovals: run.pendingRemovals,
    pendingGroupRemovals: run.pendingGroupRemovals,
    pendingMembershipRemovals: run.pendingMembershipRemovals,
    totalUsers,
    thresholdPercent: run.userSync.safeguardPercent,
    deletionPolicy: run.userSync.deletionPolicy,
    startedAt: run.startedAt ?? run.queuedAt,
    runUrl: runUrl(run.userSyncId, run.id),
  };
  const rendered = await renderEmail(<SafeguardAlertEmail {...props} />);
  return sendToAdmins(db, run.organizationId, (userId) => ({
    template: "safeguard-alert",
    subject: safeguardAlertSubject(props),
    ...rendered,
    idempotencyKey: `safeguard-alert:${run.id}:${userId}`,
    syncRunId: run.id,
  }));
}

type AdminAlert = Omit<EmailMessage, "to" | "organizationId">;

/** One email to each Owner and Administrator of the organization, in batches; `alert` names each one. */
async function sendToAdmins(
  db: Db,
  organizationId: string,
  alert: (userId: string) => AdminAlert,
): Promise<Email[]> {
  const admins = await db.member.findMany({
    where: { organizationId, role: { in: ["OWNER", "ADMINISTRATOR"] } },
    include: { user: true },
    orderBy: { createdAt: "asc" },
  });
  const messages = admins.map(({ user }) => ({ ...alert(user.id), to: user.email, organizationId }));
  const sent: Email[] = [];
  for (let i = 0; i < messages.length; i += MAX_BATCH_SIZE) {
    sent.push(...(await sendEmailBatch(db, messages.slice(i, i + MAX_BATCH_SIZE))));
  }
  return sent;
}

/**
 * The alert of a sync's open health incident (lib/sync/health.ts) to the organization's Owners and
 * Administrators: one per incident and recipient, however many detectors call at once or a step is
 * retried (the Email row's key names the incident). Nothing when no incident is open or its alert
 * went out.
 */
export async function sendHealthAlert(db: Db, userSyncId: string, now = new Date()): Promise<Email[]> {
  const sync = await db.userSync.findUniqueOrThrow({
    where: { id: userSyncId },
    include: { organization: true },
  });
  const since = sync.healthIncidentSince;
  if (!since || sync.healthAlertSentAt) return [];
  const facts = await healthFacts(db, sync.id);
  const props = {
    organizationName: sync.organization.name,
    providerLabel: PROVIDER_LABEL[sync.provider],
    syncName: sync.name,
    failures: facts.failures,
    lastSuccessAt: facts.lastSuccessAt,
    lastFailureAt: facts.lastFailure?.finishedAt ?? null,
    lastError: facts.lastFailure?.error ? redactSecrets(facts.lastFailure.error) : null,
    alertAfterFailures: sync.alertAfterFailures,
    alertAfterHours: sync.alertAfterHours,
    syncUrl: appUrl(`/user-management/user-sync/${sync.id}`),
  };
  const rendered = await renderEmail(<SyncHealthAlertEmail {...props} />);
  const sent = await sendToAdmins(db, sync.organizationId, (userId) => ({
    template: "sync-health-alert",
    subject: syncHealthAlertSubject(props),
    ...rendered,
    idempotencyKey: `sync-health-alert:${sync.id}:${since.toISOString()}:${userId}`,
  }));
  await markHealthAlertSent(db, sync.id, since, now);
  return sent;
}
