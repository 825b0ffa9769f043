import { z } from "zod";
import {
  DeletionPolicy,
  EnrollmentType,
  OktaAuthMethod,
  SyncSchedule,
  UniqueField,
} from "@/lib/db/generated/enums";
import { withoutInvisibleControls } from "@/lib/input";
import { DEFAULT_ALERT_AFTER_FAILURES, DEFAULT_ALERT_AFTER_HOURS } from "@/lib/sync/health";

/** The labels and descriptions of the help page, used by the form and the detail page alike. */
export const ENROLLMENT_TYPES = [
  {
    value: EnrollmentType.SEND_ENROLLMENT_EMAIL,
    label: "Send Enrollment Email",
    description:
      "A verification process takes place, where all the synced users will receive an invite email to the dashboard.",
  },
  {
    value: EnrollmentType.TRUST_EMAIL,
    label: "Trust Email",
    description:
      "The email verification will be set true for all users: synced users are verified upon being synced.",
  },
  {
    value: EnrollmentType.ONLY_SYNC,
    label: "Only Sync",
    description: "The users from Okta will be synced without any additional email verification or configs.",
  },
] as const;

export const UNIQUE_FIELDS = [
  { value: UniqueField.EMAIL, label: "Email", description: "The users will be created based on the Email." },
  {
    value: UniqueField.USERNAME,
    label: "Username",
    description: "The users will be created based on the Username.",
  },
] as const;

/** How the sync signs in to Okta. */
export const AUTH_METHODS = [
  {
    value: OktaAuthMethod.API_TOKEN,
    label: "API Token",
    description: "An SSWS token created by an Okta admin; it acts with that admin's rights.",
  },
  {
    value: OktaAuthMethod.OAUTH_SERVICE_APP,
    label: "OAuth 2.0 service app",
    description:
      "An API Services app with a public/private key pair and read-only scopes: Okta's recommendation, no admin's token.",
  },
] as const;

export const SCHEDULES = [
  { value: SyncSchedule.OFF, label: "Off (SYNC DATA only)" },
  { value: SyncSchedule.HOURLY, label: "Hourly" },
  { value: SyncSchedule.DAILY, label: "Daily" },
] as const;

export const DELETION_POLICIES = [
  {
    value: DeletionPolicy.DELETE,
    label: "Delete",
    description: "Users deleted or deactivated in Okta are removed from the dashboard.",
  },
  {
    value: DeletionPolicy.DEPROVISION,
    label: "Mark deprovisioned",
    description: "Such users stay in the dashboard with the status Deprovisioned and lose their groups.",
  },
] as const;

export const labelOf = <T extends { value: string; label: string }>(options: readonly T[], value: string) =>
  options.find((o) => o.value === value)?.label ?? value;

/** The health alert settings in a line, for the sync's page. */
export function healthAlertsLabel(sync: {
  schedule: string;
  alertAfterFailures: number;
  alertAfterHours: number;
}) {
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  const when = `After ${plural(sync.alertAfterFailures, "failed run")} in a row or ${plural(sync.alertAfterHours, "hour")} without success`;
  return sync.schedule === "OFF" ? `${when} (once scheduled)` : when;
}

const choice = <T extends string>(values: Record<string, T>, message: string) =>
  z.enum(Object.values(values) as [T, ...T[]], { error: message });

/**
 * The longest a sync may go without a full run: scheduled runs list everything at least daily, so
 * what the System Log cannot tell (or missed) is caught within a day.
 */
export const MAX_FULL_SYNC_EVERY_HOURS = 24;

/** Health alerts (lib/sync/health.ts): after at most 20 failed runs in a row, or a week without success. */
export const MAX_ALERT_AFTER_FAILURES = 20;
export const MAX_ALERT_AFTER_HOURS = 168;

/** A whole number from `min` to `max`, typed in decimal digits (as a form posts it) or given as a number. */
const wholeNumber = (message: string, min: number, max: number) =>
  z.preprocess(
    // Only decimal digits become a number: `Number()` would also read "0x10", "1e1" or " 16 ".
    (value) => (typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value),
    z
      .number({ error: message })
      .int(message)
      .min(min, `Use a value from ${min} to ${max}.`)
      .max(max, `Use a value from ${min} to ${max}.`),
  );

/** The Okta Workspace form, as the server validates it. */
export const userSyncInput = z.object({
  name: z
    .string()
    .overwrite(withoutInvisibleControls)
    .trim()
    .min(1, "Enter a descriptive name.")
    .max(80, "Use at most 80 characters.")
    .regex(/^[^\p{Cc}]*$/u, "Remove control characters."),
  domain: z
    .string()
    .trim()
    .min(1, "Enter your Okta Domain Name, e.g. acme.okta.com.")
    .max(300, "That is too long for a domain."),
  authMethod: choice(OktaAuthMethod, "Choose how to connect.").default("API_TOKEN"),
  token: z
    .string()
    .trim()
    .max(200, "That is too long for an Okta API token.")
    .regex(/^[\x21-\x7e]*$/, "An API token has no spaces or special characters.")
    .default(""),
  clientId: z
    .string()
    .trim()
    .max(100, "That is too long for a Client ID.")
    .regex(/^[\w-]*$/, "A Client ID has letters, digits, - and _ only, e.g. 0oa1b2c3d4E5F6G7h8i9.")
    .default(""),
  /** A PEM or a JWK; parsed on the server (`parseServiceAppKey`). */
  privateKey: z.string().trim().max(20_000, "That is too long for a private key.").default(""),
  dpop: z.stringbool().default(false),
  enrollmentType: choice(EnrollmentType, "Choose an Enrollment Type."),
  uniqueField: choice(UniqueField, "Choose a Unique field."),
  schedule: choice(SyncSchedule, "Choose a schedule.").default("OFF"),
  deletionPolicy: choice(DeletionPolicy, "Choose what happens to deleted users.").default("DELETE"),
  safeguardPercent: wholeNumber("Enter a whole percentage, e.g. 20.", 1, 100).default(20),
  fullSyncEveryHours: wholeNumber(
    "Enter a whole number of hours, e.g. 24.",
    1,
    MAX_FULL_SYNC_EVERY_HOURS,
  ).default(24),
  alertAfterFailures: wholeNumber(
    "Enter a whole number of runs, e.g. 3.",
    1,
    MAX_ALERT_AFTER_FAILURES,
  ).default(DEFAULT_ALERT_AFTER_FAILURES),
  alertAfterHours: wholeNumber("Enter a whole number of hours, e.g. 24.", 1, MAX_ALERT_AFTER_HOURS).default(
    DEFAULT_ALERT_AFTER_HOURS,
  ),
});

export type UserSyncInput = z.infer<typeof userSyncInput>;
