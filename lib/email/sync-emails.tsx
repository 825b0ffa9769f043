import SafeguardAlertEmail, { safeguardAlertSubject } from "@/emails/safeguard-alert";
import SyncReportEmail, { type FinishedRunStatus, syncReportSubject } from "@/emails/sync-report";
import { appUrl } from "@/lib/app-url";
import type { Db, Email, SyncProvider, SyncRunStatus } from "@/lib/db";
import { countAttention } from "@/lib/user-sync/attention";
import { oktaReading, oktaReadingLabel } from "@/lib/user-sync/run-mode";
import { redactSecrets } from "./redact";
import { renderEmail } from "./render";
import { MAX_BATCH_SIZE, sendEmail, sendEmailBatch } from "./send";

export const PROVIDER_LABEL: Record<SyncProvider, string> = { OKTA: "Okta Workspace" };

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
    reading: oktaReadingLabel(run),
    logChanges: run.startedAt && oktaReading(run) === "delta" ? run.logChanges : null,
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
  const [admins, totalUsers] = await Promise.all([
    db.member.findMany({
      where: { organizationId: run.organizationId, role: { in: ["OWNER", "ADMINISTRATOR"] } },
      include: { user: true },
      orderBy: { createdAt: "asc" },
    }),
    db.directoryUser.count({ where: { userSyncId: run.userSyncId, status: { not: "DEPROVISIONED" } } }),
  ]);
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
  const content = {
    subject: safeguardAlertSubject(props),
    ...(await renderEmail(<SafeguardAlertEmail {...props} />)),
  };
  const messages = admins.map(({ user }) => ({
    template: "safeguard-alert" as const,
    to: user.email,
    ...content,
    idempotencyKey: `safeguard-alert:${run.id}:${user.id}`,
    organizationId: run.organizationId,
    syncRunId: run.id,
  }));
  const sent: Email[] = [];
  for (let i = 0; i < messages.length; i += MAX_BATCH_SIZE) {
    sent.push(...(await sendEmailBatch(db, messages.slice(i, i + MAX_BATCH_SIZE))));
  }
  return sent;
}
