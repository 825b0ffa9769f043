import { z } from "zod";
import {
  AuthMethod,
  DeletionPolicy,
  EnrollmentType,
  type SyncProvider,
  SyncSchedule,
  UniqueField,
} from "@/lib/db/generated/enums";
import { withoutInvisibleControls } from "@/lib/input";
import { DEFAULT_ALERT_AFTER_FAILURES, DEFAULT_ALERT_AFTER_HOURS } from "@/lib/sync/health";

/** The directories a sync reads, by their product names. */
export const PROVIDER_LABEL: Record<SyncProvider, string> = {
  OKTA: "Okta Workspace",
  ENTRA_ID: "Microsoft Entra ID",
  GOOGLE_WORKSPACE: "Google Workspace",
};

/** How a sentence names the directory: Okta's help page says "Okta", the others go by their product names. */
export const DIRECTORY_NAME: Record<SyncProvider, string> = {
  OKTA: "Okta",
  ENTRA_ID: "Microsoft Entra ID",
  GOOGLE_WORKSPACE: "Google Workspace",
};

/** The labels and descriptions of the help page, used by the form and the detail page alike. */
export const enrollmentTypes = (provider: SyncProvider) =>
  [
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
      description: `The users from ${DIRECTORY_NAME[provider]} will be synced without any additional email verification or configs.`,
    },
  ] as const;

export const ENROLLMENT_TYPES = enrollmentTypes("OKTA");

/** Which of the directory's attributes each Unique field reads. */
const UNIQUE_FIELD_SOURCES: Record<SyncProvider, Record<UniqueField, string>> = {
  OKTA: { EMAIL: "the Email", USERNAME: "the Username" },
  ENTRA_ID: { EMAIL: "the Email (the user's mail)", USERNAME: "the user principal name (UPN)" },
  // The Directory API has no username apart from the primary email.
  GOOGLE_WORKSPACE: {
    EMAIL: "the primary email",
    USERNAME: "the primary email too: Google Workspace has no separate username",
  },
};

export const uniqueFields = (provider: SyncProvider) =>
  [
    { value: UniqueField.EMAIL, label: "Email" },
    { value: UniqueField.USERNAME, label: "Username" },
  ].map((field) => ({
    ...field,
    description: `The users will be created based on ${UNIQUE_FIELD_SOURCES[provider][field.value]}.`,
  }));

export const UNIQUE_FIELDS = uniqueFields("OKTA");

/** How the sync signs in to Okta. */
export const AUTH_METHODS = [
  {
    value: AuthMethod.API_TOKEN,
    label: "API Token",
    description: "An SSWS token created by an Okta admin; it acts with that admin's rights.",
  },
  {
    value: AuthMethod.OAUTH_SERVICE_APP,
    label: "OAuth 2.0 service app",
    description:
      "An API Services app with a public/private key pair and read-only scopes: Okta's recommendation, no admin's token.",
  },
] as const;

/** How an Entra ID sync signs in: Microsoft recommends certificates over client secrets. */
export const ENTRA_AUTH_METHODS = [
  {
    value: AuthMethod.CLIENT_SECRET,
    label: "Client secret",
    description: "A secret created in the app registration's Certificates & secrets.",
  },
  {
    value: AuthMethod.CERTIFICATE,
    label: "Certificate",
    description:
      "A certificate whose public part is uploaded to the app registration; its private key signs each sign-in and is never sent.",
  },
] as const;

const valuesOf = <T extends string>(options: readonly { value: T }[]) =>
  Object.fromEntries(options.map(({ value }) => [value, value])) as Record<T, T>;

export const SCHEDULES = [
  { value: SyncSchedule.OFF, label: "Off (SYNC DATA only)" },
  { value: SyncSchedule.HOURLY, label: "Hourly" },
  { value: SyncSchedule.DAILY, label: "Daily" },
] as const;

export const deletionPolicies = (provider: SyncProvider) =>
  [
    {
      value: DeletionPolicy.DELETE,
      label: "Delete",
      description: `Users deleted or deactivated in ${DIRECTORY_NAME[provider]} are removed from the dashboard.`,
    },
    {
      value: DeletionPolicy.DEPROVISION,
      label: "Mark deprovisioned",
      description: "Such users stay in the dashboard with the status Deprovisioned and lose their groups.",
    },
  ] as const;

export const DELETION_POLICIES = deletionPolicies("OKTA");

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

/** What every sync has, whatever its directory: a name, how users enrol and match, and its schedule. */
export const syncSettingsInput = z.object({
  name: z
    .string()
    .overwrite(withoutInvisibleControls)
    .trim()
    .min(1, "Enter a descriptive name.")
    .max(80, "Use at most 80 characters.")
    .regex(/^[^\p{Cc}]*$/u, "Remove control characters."),
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

/** The Okta Workspace form, as the server validates it. */
export const userSyncInput = syncSettingsInput.extend({
  domain: z
    .string()
    .trim()
    .min(1, "Enter your Okta Domain Name, e.g. acme.okta.com.")
    .max(300, "That is too long for a domain."),
  authMethod: choice(valuesOf(AUTH_METHODS), "Choose how to connect.").default("API_TOKEN"),
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
});

export type UserSyncInput = z.infer<typeof userSyncInput>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Microsoft Entra ID form: an app registration with a client secret or a certificate. */
export const entraSyncInput = syncSettingsInput.extend({
  tenantId: z
    .string()
    .trim()
    .min(1, "Enter the Directory (tenant) ID, or a verified domain such as contoso.onmicrosoft.com.")
    .max(253, "That is too long for a tenant.")
    .refine(
      // A blank tenant has its own message, above.
      (tenant) =>
        !tenant ||
        GUID.test(tenant) ||
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(tenant),
      "A tenant is a GUID or a domain name, e.g. contoso.onmicrosoft.com.",
    ),
  clientId: z
    .string()
    .trim()
    .regex(GUID, "Enter the Application (client) ID, a GUID such as 6731de76-14a6-49ae-97bc-6eba6914391e."),
  clientSecret: z
    .string()
    .trim()
    .max(255, "That is too long for a client secret.")
    .regex(/^[\x21-\x7e]*$/, "A client secret has no spaces or special characters.")
    .default(""),
  authMethod: choice(valuesOf(ENTRA_AUTH_METHODS), "Choose how the app signs in.").default("CLIENT_SECRET"),
  /** The certificate and its private key, one PEM; parsed on the server (`parseEntraCertificate`). */
  certificate: z.string().trim().max(20_000, "That is too long for a certificate and its key.").default(""),
});

export type EntraSyncInput = z.infer<typeof entraSyncInput>;

/** The Google Workspace form: a service account with domain-wide delegation, acting as an admin. */
export const googleSyncInput = syncSettingsInput.extend({
  /** The service account's JSON key file; parsed on the server. */
  serviceAccountKey: z.string().trim().max(20_000, "That is too long for a key file.").default(""),
  adminEmail: z
    .string()
    .trim()
    .max(254, "That is too long for an email address.")
    .pipe(z.email("Enter the email address of a Workspace admin, e.g. admin@example.com.")),
  customerId: z
    .string()
    .trim()
    .transform((customer) => customer || "my_customer")
    .pipe(
      z
        .string()
        .regex(
          /^(my_customer|C[0-9a-z]{5,20})$/i,
          "Enter a customer ID such as C03az79cb, or leave it blank.",
        ),
    )
    .default("my_customer"),
});

export type GoogleSyncInput = z.infer<typeof googleSyncInput>;
