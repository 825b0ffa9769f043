import Link from "next/link";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import type { MailboxEntry } from "@/lib/email/mailbox";
import { EmailStatusBadge, EmailTime, TEMPLATE_LABEL } from "./email-labels";

export function MailboxTable({
  emails,
  page,
  pageCount,
  total,
}: {
  emails: MailboxEntry[];
  page: number;
  pageCount: number;
  total: number;
}) {
  return (
    <Card className="overflow-hidden">
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Emails, newest first</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold tracking-wide text-slate-500 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3">
                Subject
              </th>
              <th scope="col" className="px-4 py-3">
                Recipient
              </th>
              <th scope="col" className="px-4 py-3">
                Template
              </th>
              <th scope="col" className="px-4 py-3">
                Status
              </th>
              <th scope="col" className="px-4 py-3 whitespace-nowrap">
                Time
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {emails.map((email) => (
              <tr key={email.id} className="hover:bg-slate-50">
                <td className="max-w-md px-4 py-3">
                  <Link
                    href={`/mailbox/${email.id}`}
                    className="line-clamp-2 font-medium text-slate-900 hover:text-brand-700 hover:underline"
                  >
                    {email.subject}
                  </Link>
                </td>
                <td className="px-4 py-3 whitespace-nowrap text-slate-700">{email.to}</td>
                <td className="px-4 py-3 whitespace-nowrap text-slate-700">
                  {TEMPLATE_LABEL[email.template] ?? email.template}
                </td>
                <td className="px-4 py-3">
                  <EmailStatusBadge status={email.status} />
                </td>
                <td className="px-4 py-3 whitespace-nowrap text-slate-600">
                  <EmailTime date={email.sentAt ?? email.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav
        aria-label="Pages"
        className="flex items-center justify-between gap-4 border-t border-slate-200 px-4 py-3 text-sm text-slate-600"
      >
        <span>
          {total} {total === 1 ? "email" : "emails"} · page {page} of {pageCount}
        </span>
        <span className="flex gap-2">
          {page > 1 && (
            <ButtonLink variant="secondary" href={`/mailbox?page=${page - 1}`}>
              Newer
            </ButtonLink>
          )}
          {page < pageCount && (
            <ButtonLink variant="secondary" href={`/mailbox?page=${page + 1}`}>
              Older
            </ButtonLink>
          )}
        </span>
      </nav>
    </Card>
  );
}
