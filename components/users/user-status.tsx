import { Badge, type BadgeTone } from "@/components/ui/badge";

const STATUS_TONE: Record<string, BadgeTone> = {
  ACTIVE: "green",
  STAGED: "gray",
  PROVISIONED: "blue",
  RECOVERY: "amber",
  PASSWORD_EXPIRED: "amber",
  LOCKED_OUT: "red",
  SUSPENDED: "amber",
  DEPROVISIONED: "red",
};

export const statusLabel = (status: string) =>
  status.charAt(0) + status.slice(1).toLowerCase().replaceAll("_", " ");

export function UserStatus({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? "gray"}>{statusLabel(status)}</Badge>;
}

const ENROLLMENT = {
  NONE: { label: "—", tone: "gray" },
  INVITED: { label: "Invited", tone: "blue" },
  ENROLLED: { label: "Enrolled", tone: "green" },
} as const;

export function EnrollmentBadge({ status }: { status: keyof typeof ENROLLMENT }) {
  if (status === "NONE") return <span className="text-slate-500">—</span>;
  return <Badge tone={ENROLLMENT[status].tone}>{ENROLLMENT[status].label}</Badge>;
}

export function VerifiedMark({ verified }: { verified: boolean }) {
  return verified ? (
    <span className="text-emerald-700">
      <span aria-hidden>✓</span> Verified
    </span>
  ) : (
    <span className="text-slate-500">Not verified</span>
  );
}
