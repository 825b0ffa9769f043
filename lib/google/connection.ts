import { CUSTOMER_ID, type GoogleClientOptions, GoogleDirectoryClient } from "./client";
import {
  GoogleApiError,
  GoogleAuthError,
  GoogleConnectionError,
  type GoogleCredentialField,
  type GoogleFailureCode,
} from "./errors";
import { parseServiceAccountKey } from "./service-account-key";

/** The sync form's Google Workspace credentials, as typed and pasted. */
export interface GoogleCredentialsInput {
  /** The service account's JSON key file. */
  serviceAccountKey: string;
  /** The Workspace admin the service account acts as. */
  adminEmail: string;
  /** Empty for `my_customer`, the admin's own customer. */
  customerId?: string;
}

export type GoogleConnectionTest =
  | {
      ok: true;
      /** What may be shown of the key. */
      serviceAccount: { clientEmail: string; privateKeyId: string; clientId: string };
      customerId: string;
      /** Users on the first page (all statuses); `more` when there are others beyond it. */
      users: { count: number; more: boolean };
      groups: { count: number; more: boolean };
    }
  | {
      ok: false;
      code:
        | GoogleFailureCode
        | "invalid_admin_email"
        | "invalid_customer_id"
        | GoogleConnectionError["reason"];
      message: string;
      /** The form field to fix; null when none can (Google failing, the network, a quota). */
      field: GoogleCredentialField | null;
    };

export type GoogleConnectionTestOptions = Pick<
  GoogleClientOptions,
  "endpoints" | "allowInsecureLocalhost" | "resolve" | "timeoutMs"
>;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,63}$/;

/**
 * What `Test connection` runs before a sync is saved: the key file, the admin's address and the
 * customer ID checked as typed, then a token asked as the admin and the first page of users and
 * of groups read. No retries or waits, so the admin gets an answer in seconds.
 */
export async function testGoogleConnection(
  input: GoogleCredentialsInput,
  options: GoogleConnectionTestOptions = {},
): Promise<GoogleConnectionTest> {
  const key = parseServiceAccountKey(input.serviceAccountKey);
  if (!key.ok) return { ok: false, code: "invalid_key", message: key.message, field: "serviceAccountKey" };
  const adminEmail = input.adminEmail.trim();
  if (!EMAIL.test(adminEmail)) {
    return {
      ok: false,
      code: "invalid_admin_email",
      message: "Enter the email address of a Workspace admin for the service account to act as.",
      field: "adminEmail",
    };
  }
  const customerId = input.customerId?.trim() || "my_customer";
  if (!CUSTOMER_ID.test(customerId)) {
    return {
      ok: false,
      code: "invalid_customer_id",
      message:
        "A customer ID starts with C (Admin console → Account → Account settings); leave it empty for your own.",
      field: "customerId",
    };
  }
  try {
    const google = new GoogleDirectoryClient({
      ...options,
      key: key.key,
      adminEmail,
      customerId,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: 0,
      maxRateLimitWaits: 0,
    });
    const users = await google.listUsers(null);
    const groups = await google.listGroups(null);
    return {
      ok: true,
      serviceAccount: key.shown,
      customerId,
      users: { count: users.items.length, more: users.next !== null },
      groups: { count: groups.items.length, more: groups.next !== null },
    };
  } catch (error) {
    if (error instanceof GoogleAuthError || error instanceof GoogleApiError) {
      return { ok: false, code: error.code, message: error.message, field: error.field };
    }
    if (error instanceof GoogleConnectionError) {
      return { ok: false, code: error.reason, message: error.message, field: null };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, code: "google_error", message, field: null };
  }
}
