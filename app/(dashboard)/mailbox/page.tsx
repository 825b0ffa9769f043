import type { Metadata } from "next";
import { z } from "zod";
import { MailboxTable } from "@/components/mailbox/mailbox-table";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { emailProvider } from "@/lib/email/config";
import { listMailbox } from "@/lib/email/mailbox";

export const metadata: Metadata = { title: "Mailbox" };

const query = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1) });

export default async function MailboxPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const member = await requirePage("mailbox:read");
  const { page } = query.parse(await searchParams);
  const mailbox = await listMailbox(getDb(), member.organizationId, { page });
  return (
    <>
      <PageHeader
        title="Mailbox"
        description={
          emailProvider() === "outbox"
            ? "Every email the dashboard would send. RESEND_API_KEY is not set, so they are kept here instead of being delivered."
            : "Every email the dashboard sent through Resend, exactly as it went out."
        }
      />
      {mailbox.total === 0 ? (
        <EmptyState title="No emails yet">
          Sync reports, safeguard alerts and enrollment invitations appear here as soon as a user sync runs.
        </EmptyState>
      ) : (
        <MailboxTable {...mailbox} />
      )}
    </>
  );
}
