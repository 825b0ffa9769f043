import EnrollmentInvitationEmail, { enrollmentInvitationSubject } from "@/emails/enrollment-invitation";
import type { Db, Prisma } from "@/lib/db";
import { createEnrollmentToken, directoryUserName, enrollmentUrl } from "@/lib/enrollment/tokens";
import { DEPROVISIONED } from "@/lib/sync/types";
import { renderEmail } from "./render";
import { type EmailMessage, MAX_BATCH_SIZE, sendEmailBatch } from "./send";

/**
 * Invitations one call (one Inngest step) sends: 10 paced batch requests, about 5 s at Resend's
 * default 2 requests/s, so a first sync of 250,000 new users stays within 1,000 steps.
 */
export const INVITATIONS_PER_CALL = 1000;

export interface InvitationProgress {
  /** Users invited by this call (sent, or kept in the outbox). */
  sent: number;
  /** Users still waiting for their invitation: call again (the next Inngest step). */
  remaining: boolean;
}

/**
 * Sends the enrollment invitations of a sync whose Enrollment Type is Send Enrollment Email: one
 * per new user (INVITED, not yet invitedAt, with an email), in batches of up to 100 paced below
 * Resend's rate limit, at most `limit` per call so each Inngest step stays short. Each user gets
 * a fresh single-use link and `invitedAt` once their email is out. A retried step resends the
 * invitations its failed attempt recorded, with the same links, and never one already sent.
 */
export async function sendEnrollmentInvitations(
  db: Db,
  userSyncId: string,
  { limit = INVITATIONS_PER_CALL }: { limit?: number } = {},
): Promise<InvitationProgress> {
  const sync = await db.userSync.findUniqueOrThrow({
    where: { id: userSyncId },
    include: { organization: true },
  });
  if (sync.enrollmentType !== "SEND_ENROLLMENT_EMAIL") return { sent: 0, remaining: false };
  const waiting: Prisma.DirectoryUserWhereInput = {
    userSyncId,
    enrollmentStatus: "INVITED",
    invitedAt: null,
    email: { not: null },
    // Deprovisioned (by a later run) before the invitation went out: not to be invited.
    status: { not: DEPROVISIONED },
    // A permanently refused invitation (FAILED) needs a person, not another attempt.
    emails: { none: { template: "enrollment-invitation", status: "FAILED" } },
  };
  let sent = 0;
  while (sent < limit) {
    const users = await db.directoryUser.findMany({
      where: waiting,
      // Users with a recorded invitation first: a retry re-forms the batch its first attempt sent.
      orderBy: [{ emails: { _count: "desc" } }, { id: "asc" }],
      take: Math.min(MAX_BATCH_SIZE, limit - sent),
      include: { emails: { where: { template: "enrollment-invitation" }, take: 1 } },
    });
    if (users.length === 0) break;
    const messages = await Promise.all(
      users.map(async (user): Promise<EmailMessage> => {
        // Recorded earlier: sendEmailBatch sends the recorded email, whose link is still valid.
        const recorded = user.emails[0];
        const base = {
          template: "enrollment-invitation" as const,
          to: user.email as string,
          idempotencyKey: `enrollment-invitation:${user.id}`,
          organizationId: sync.organizationId,
          directoryUserId: user.id,
        };
        if (recorded) return { ...base, subject: recorded.subject, html: recorded.html, text: recorded.text };
        const { token, expiresAt } = await createEnrollmentToken(db, user.id);
        const props = {
          organizationName: sync.organization.name,
          recipientName: directoryUserName(user),
          email: user.email as string,
          enrollUrl: enrollmentUrl(token),
          expiresAt,
        };
        return {
          ...base,
          subject: enrollmentInvitationSubject(props),
          ...(await renderEmail(<EnrollmentInvitationEmail {...props} />)),
        };
      }),
    );
    const emails = await sendEmailBatch(db, messages);
    const invited = emails
      .filter((e) => e.status === "SENT" || e.status === "STORED")
      .map((e) => e.directoryUserId as string);
    await db.directoryUser.updateMany({ where: { id: { in: invited } }, data: { invitedAt: new Date() } });
    sent += invited.length;
  }
  const remaining = (await db.directoryUser.count({ where: waiting, take: 1 })) > 0;
  return { sent, remaining };
}
