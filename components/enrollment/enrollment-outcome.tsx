import type { EnrollmentLink } from "@/lib/enrollment/tokens";

type Outcome =
  | Exclude<EnrollmentLink, { state: "valid" }>
  | { state: "enrolled"; organizationName: string; email: string | null };

const COPY = {
  enrolled: {
    tone: "success",
    title: "You're enrolled",
    body: (org: string) =>
      `Your email address is verified and your ${org} account is active. You can close this page.`,
  },
  used: {
    tone: "neutral",
    title: "This link has already been used",
    body: (org: string) =>
      `Each enrollment link works once. If you used it, your enrollment is complete; otherwise ask your ${org} administrator for a new invitation.`,
  },
  expired: {
    tone: "warning",
    title: "This link has expired",
    body: (org: string) =>
      `Enrollment links expire for your safety. Ask your ${org} administrator for a new invitation.`,
  },
  inactive: {
    tone: "warning",
    title: "This account is no longer active",
    body: (org: string) =>
      `It was deactivated in ${org}'s directory. Contact your administrator if this is a mistake.`,
  },
  unknown: {
    tone: "warning",
    title: "This link is not valid",
    body: () =>
      "Check that you opened the whole link from your invitation email, or ask your administrator for a new one.",
  },
} as const;

const TONE = {
  success: "bg-emerald-50 text-emerald-700",
  neutral: "bg-slate-100 text-slate-600",
  warning: "bg-amber-50 text-amber-700",
} as const;

/** What the enrollment page says once there is nothing to confirm. */
export function EnrollmentOutcome({ outcome }: { outcome: Outcome }) {
  const copy = COPY[outcome.state];
  const organizationName = "organizationName" in outcome ? outcome.organizationName : "";
  return (
    <div className="text-center" data-testid={`enrollment-${outcome.state}`}>
      <div
        aria-hidden
        className={`mx-auto mb-4 grid size-12 place-items-center rounded-full text-xl ${TONE[copy.tone]}`}
      >
        {copy.tone === "success" ? "✓" : "!"}
      </div>
      <h1 className="text-xl font-semibold text-slate-900">{copy.title}</h1>
      {outcome.state === "enrolled" && outcome.email && (
        <p className="mt-2 text-sm font-medium text-slate-800">{outcome.email}</p>
      )}
      <p className="mt-2 text-sm text-slate-600">{copy.body(organizationName)}</p>
    </div>
  );
}
