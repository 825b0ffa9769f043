import { ChangeLogUnavailableError } from "@/lib/directory/types";
import { OktaClient, type OktaClientOptions } from "./client";
import type { OktaCredential } from "./credentials";
import { type DomainOptions, validateOktaDomain } from "./domain";
import {
  type ConnectionFailure,
  type CredentialField,
  OktaApiError,
  OktaAuthError,
  OktaConnectionError,
  OktaError,
} from "./errors";

export type ConnectionTestCode =
  | ConnectionFailure
  | "not_okta"
  | "bad_token"
  | "missing_permission"
  | "service_app_refused"
  | "rate_limited"
  | "okta_error";

export type ConnectionTest =
  | {
      ok: true;
      /** The normalised domain to save. */
      origin: string;
      organization: { id: string; pipeline: string | null; url: string | null };
      /** Users on the first page (all statuses); `more` when there are others beyond it. */
      users: { count: number; more: boolean };
      /** Whether delta runs can read the System Log; why not, when they cannot. */
      systemLog: { readable: true } | { readable: false; reason: string };
      /** Each endpoint family's rate limit and what is left of it this minute (users, groups, logs). */
      rateLimits: Record<string, { limit: number; remaining: number }>;
    }
  | {
      ok: false;
      code: ConnectionTestCode;
      message: string;
      /** The form field to fix: the domain, or the credential's field concerned. */
      field: "domain" | CredentialField;
    };

export type ConnectionTestOptions = DomainOptions & Pick<OktaClientOptions, "timeoutMs">;

type Failure = Extract<ConnectionTest, { ok: false }>;

const API_CODES: Record<number, ConnectionTestCode> = {
  401: "bad_token",
  403: "missing_permission",
  429: "rate_limited",
};

function failure(error: unknown, answeringOkta: boolean, credential: OktaCredential): Failure {
  if (error instanceof OktaConnectionError) {
    return { ok: false, code: error.reason, message: error.message, field: "domain" };
  }
  if (!answeringOkta) {
    return {
      ok: false,
      code: "not_okta",
      message:
        "This domain does not answer like an Okta org (no /.well-known/okta-organization). Check the domain.",
      field: "domain",
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof OktaAuthError)
    return { ok: false, code: "service_app_refused", message, field: error.field };
  const code = (error instanceof OktaApiError && API_CODES[error.status]) || "okta_error";
  // A 401 or 403 is the credential's: the token, or the service app's settings (its client ID).
  const credentialField = "token" in credential ? "token" : "clientId";
  const field = code === "bad_token" || code === "missing_permission" ? credentialField : "domain";
  return { ok: false, code, message, field };
}

/**
 * What `Test connection` runs before a sync is saved: the domain, that it is an Okta org, that
 * the credential is accepted (an API token, or a service app's token request) and may read users
 * and groups, and whether it may read the System Log (delta runs need it; without it SYNC DATA
 * lists everything, so it does not fail the test). Four API requests, no retries or waits, so the
 * admin gets an answer in seconds.
 */
export async function testOktaConnection(
  domain: string,
  credential: OktaCredential,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTest> {
  const checked = await validateOktaDomain(domain, options);
  if (!checked.ok) {
    const code =
      checked.reason === "invalid" ? "invalid_domain" : checked.reason === "dns" ? "dns" : "blocked_address";
    return { ok: false, code, message: checked.message, field: "domain" };
  }
  if ("token" in credential && !credential.token.trim()) {
    return { ok: false, code: "bad_token", message: "Enter the API token.", field: "token" };
  }
  const okta = new OktaClient({
    ...options,
    ...("token" in credential ? { token: credential.token.trim() } : credential),
    domain: checked.origin,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxRetries: 0,
    maxRateLimitWaits: 0,
  });
  let organization: Awaited<ReturnType<OktaClient["organization"]>>;
  try {
    organization = await okta.organization();
  } catch (error) {
    return failure(error, false, credential);
  }
  try {
    const users = await okta.listUsers(null);
    await okta.listGroups(null);
    const systemLog = await systemLogAccess(okta);
    return {
      ok: true,
      origin: checked.origin,
      organization: {
        id: organization.id,
        pipeline: organization.pipeline ?? null,
        url: organization._links?.organization?.href ?? null,
      },
      users: { count: users.items.length, more: users.next !== null },
      systemLog,
      rateLimits: okta.rateLimits,
    };
  } catch (error) {
    return failure(error, true, credential);
  }
}

/** One page of the last minute's System Log: readable, or the reason delta runs cannot use it. */
async function systemLogAccess(
  okta: OktaClient,
): Promise<{ readable: true } | { readable: false; reason: string }> {
  const until = new Date();
  try {
    await okta.listChanges(null, { since: new Date(until.getTime() - 60_000), until });
    return { readable: true };
  } catch (error) {
    if (error instanceof ChangeLogUnavailableError || error instanceof OktaError)
      return { readable: false, reason: error.message };
    throw error;
  }
}
