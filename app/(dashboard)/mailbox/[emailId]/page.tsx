import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EmailStatusBadge, EmailTime, TEMPLATE_LABEL } from "@/components/mailbox/email-labels";
import { EmailPreview } from "@/components/mailbox/email-preview";
import { Card } from "@/components/ui/card";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { getMailboxEmail } from "@/lib/email/mailbox";

export const metadata: Metadata = { title: "Email" };

export default async function MailboxEmailPage({ params }: { params: Promise<{ emailId: string }> }) {
  const member = await requirePage("mailbox:read");
  const { emailId } = await params;
  const email = await getMailboxEmail(getDb(), member.organizationId, emailId);
  if (!email) notFound();
  const details: [string, React.ReactNode][] = [
    ["To", email.to],
    ["Template", TEMPLATE_LABEL[email.template] ?? email.template],
    ["Status", <EmailStatusBadge key="status" status={email.status} />],
    [
      "Provider",
      email.provider === "resend" ? `Resend${email.providerId ? ` · ${email.providerId}` : ""}` : "Outbox",
    ],
    ["Created", <EmailTime key="created" date={email.createdAt} />],
    ["Sent", email.sentAt ? <EmailTime key="sent" date={email.sentAt} /> : "—"],
  ];
  return (
    <>
      <Link href="/mailbox" className="text-sm font-medium text-brand-700 hover:underline">
        ← Mailbox
      </Link>
      <h1 className="mt-2 mb-4 text-2xl font-semibold text-slate-900">{email.subject}</h1>
      <Card className="mb-6 px-5 py-4">
        <dl className="grid gap-x-8 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-3">
          {details.map(([label, value]) => (
            <div key={label}>
              <dt className="text-xs font-medium text-slate-500">{label}</dt>
              <dd className="mt-0.5 break-all text-slate-900">{value}</dd>
            </div>
          ))}
        </dl>
        {email.error && (
          <p role="status" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {email.error}
          </p>
        )}
      </Card>
      <EmailPreview html={email.html} text={email.text} />
    </>
  );
}
