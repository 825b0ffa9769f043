import type { Db } from "@/lib/db";
import { isRecordId } from "@/lib/input";

export const MAILBOX_PAGE_SIZE = 50;

/** One page of an organization's emails, newest first, without their bodies. */
export async function listMailbox(db: Db, organizationId: string, { page = 1 }: { page?: number } = {}) {
  const where = { organizationId };
  const [emails, total] = await Promise.all([
    db.email.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * MAILBOX_PAGE_SIZE,
      take: MAILBOX_PAGE_SIZE,
      select: {
        id: true,
        template: true,
        to: true,
        subject: true,
        status: true,
        provider: true,
        error: true,
        createdAt: true,
        sentAt: true,
      },
    }),
    db.email.count({ where }),
  ]);
  return { emails, total, page, pageCount: Math.max(1, Math.ceil(total / MAILBOX_PAGE_SIZE)) };
}

export type MailboxEntry = Awaited<ReturnType<typeof listMailbox>>["emails"][number];

/** An email of this organization, or null: another organization's id finds nothing. */
export async function getMailboxEmail(db: Db, organizationId: string, emailId: string) {
  if (!isRecordId(emailId)) return null;
  return db.email.findFirst({ where: { id: emailId, organizationId } });
}
