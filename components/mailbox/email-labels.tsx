import { cn } from "@/components/ui/cn";
import { formatDateTime } from "@/emails/components/format";
import type { EmailStatus } from "@/lib/db/generated/enums";

export const TEMPLATE_LABEL: Record<string, string> = {
  "sync-report": "Sync report",
  "safeguard-alert": "Safeguard alert",
  "sync-health-alert": "Sync health alert",
  "enrollment-invitation": "Enrollment invitation",
};

const STATUS: Record<EmailStatus, { label: string; className: string; hint: string }> = {
  SENT: {
    label: "Sent",
    className: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
    hint: "Accepted by Resend",
  },
  STORED: {
    label: "Stored",
    className: "bg-brand-50 text-brand-700 ring-brand-600/20",
    hint: "Kept in the outbox, not sent",
  },
  QUEUED: {
    label: "Queued",
    className: "bg-amber-50 text-amber-700 ring-amber-600/20",
    hint: "Waiting for a retry",
  },
  FAILED: {
    label: "Failed",
    className: "bg-red-50 text-red-700 ring-red-600/20",
    hint: "Refused; will not be retried",
  },
};

export function EmailStatusBadge({ status }: { status: EmailStatus }) {
  const look = STATUS[status];
  return (
    <span
      title={look.hint}
      className={cn(
        "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        look.className,
      )}
    >
      {look.label}
    </span>
  );
}

export function EmailTime({ date }: { date: Date }) {
  return <time dateTime={date.toISOString()}>{formatDateTime(date)}</time>;
}
