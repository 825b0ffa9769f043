import { GroupGoneError } from "@/lib/directory/types";
import { checkEntraCredentials, EntraClient, type EntraClientOptions, type EntraCredentials } from "./client";
import {
  EntraApiError,
  EntraAuthError,
  EntraConnectionError,
  EntraError,
  type EntraField,
  EntraWaitRefusedError,
} from "./errors";

export type EntraConnectionTestCode =
  | "invalid_credentials"
  | "unknown_tenant"
  | "unknown_client"
  | "wrong_secret"
  | "expired_secret"
  | "wrong_certificate"
  | "missing_permission"
  | "token_refused"
  | "throttled"
  | "unreachable"
  | "graph_error";

export type EntraConnectionTest =
  | {
      ok: true;
      /** The tenant as it will be used (lower case). */
      tenant: string;
      /** Users on the first page (up to 999); `more` when there are others beyond it. */
      users: { count: number; more: boolean };
      /** Groups on the first page; `more` when there are others. */
      groups: { count: number; more: boolean };
      /** Whether a group's members could be read (the first group's; null without groups). */
      members: { readable: true } | null;
    }
  | {
      ok: false;
      code: EntraConnectionTestCode;
      message: string;
      /** The form field to fix. */
      field: EntraField;
      /** Every field with a problem found without asking Entra (shape), each with its message. */
      problems?: { field: EntraField; message: string }[];
    };

export type EntraConnectionTestOptions = Pick<
  EntraClientOptions,
  "endpoints" | "allowInsecureLocalhost" | "resolve" | "timeoutMs" | "signal"
>;

type Failure = Extract<EntraConnectionTest, { ok: false }>;

const AUTH_CODES: Record<EntraAuthError["reason"], EntraConnectionTestCode> = {
  invalid: "invalid_credentials",
  unknown_tenant: "unknown_tenant",
  unknown_client: "unknown_client",
  wrong_secret: "wrong_secret",
  expired_secret: "expired_secret",
  wrong_certificate: "wrong_certificate",
  missing_permission: "missing_permission",
  refused: "token_refused",
};

function failure(error: unknown): Failure {
  if (error instanceof EntraAuthError) {
    return { ok: false, code: AUTH_CODES[error.reason], message: error.message, field: error.field };
  }
  if (!(error instanceof EntraError)) throw error;
  const code =
    error instanceof EntraConnectionError
      ? "unreachable"
      : error instanceof EntraWaitRefusedError || (error instanceof EntraApiError && error.status === 429)
        ? "throttled"
        : "graph_error";
  // Nothing the form can fix but the tenant it signs in to.
  return { ok: false, code, message: error.message, field: "tenantId" };
}

/**
 * What `Test connection` runs before an Entra sync is saved: the credentials' shape, a token (the
 * tenant, the app and its secret or certificate), then one page each of users, groups and the first group's
 * members (the application permissions and their consent). No retries or waits: an answer in seconds.
 */
export async function testEntraConnection(
  credentials: EntraCredentials,
  options: EntraConnectionTestOptions = {},
): Promise<EntraConnectionTest> {
  const problems = checkEntraCredentials(credentials);
  const [first] = problems;
  if (first) {
    return {
      ...failure(first),
      problems: problems.map(({ field, message }) => ({ field, message })),
    };
  }
  try {
    const entra = new EntraClient({
      ...options,
      ...credentials,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: 0,
      maxRateLimitWaits: 0,
    });
    const users = await entra.listUsers(null);
    const groups = await entra.listGroups(null);
    const group = groups.items[0];
    // A group deleted since the listing was still read with the app's permissions.
    if (group)
      await entra.listGroupMembers(group.externalId, null).catch((error: unknown) => {
        if (!(error instanceof GroupGoneError)) throw error;
      });
    return {
      ok: true,
      tenant: entra.tenant,
      users: { count: users.items.length, more: users.next !== null },
      groups: { count: groups.items.length, more: groups.next !== null },
      members: group ? { readable: true } : null,
    };
  } catch (error) {
    return failure(error);
  }
}
