import { z } from "zod";
import { type Scrub, untrusted } from "@/lib/okta/errors";

/**
 * Everything the Google Workspace client throws is a `GoogleError`, with a message an admin can
 * act on, built from statuses, Google's reason codes and paths: text Google sent is scrubbed of
 * every secret (`Scrub`) and bounded before it is kept, and never carries the private key, a signed
 * assertion or an access token. Errors no retry can fix say so with `permanent = true` (see
 * `isPermanentFailure` in lib/directory/types.ts).
 */
export abstract class GoogleError extends Error {
  /** Retrying the run cannot fix it: only the admin can (a key, delegation, an admin role, the customer). */
  readonly permanent: boolean = false;
}

/** The sync form's fields for Google Workspace, to say which one a failure is fixed in. */
export type GoogleCredentialField = "serviceAccountKey" | "adminEmail" | "customerId";

/** What went wrong, as `testGoogleConnection` reports it. */
export type GoogleFailureCode =
  | "invalid_key"
  | "key_refused"
  | "delegation_missing"
  | "unknown_admin"
  | "not_admin"
  | "api_disabled"
  | "unknown_customer"
  | "rate_limited"
  | "google_error";

/** Google's token endpoint refused the service account's signed assertion. */
export class GoogleAuthError extends GoogleError {
  override name = "GoogleAuthError";
  override readonly permanent = true;
  constructor(
    readonly code: GoogleFailureCode,
    readonly field: GoogleCredentialField,
    message: string,
  ) {
    super(message);
  }
}

/** The Directory API (or the token endpoint, failing) answered with an error status. */
export class GoogleApiError extends GoogleError {
  override name = "GoogleApiError";
  override readonly permanent: boolean;
  constructor(
    readonly status: number,
    /** Google's `errors[0].reason` (e.g. `forbidden`, `notFound`), when it looked like one. */
    readonly reason: string | null,
    readonly path: string,
    readonly code: GoogleFailureCode,
    /** The form field to fix; null when none can (Google failing, a quota). */
    readonly field: GoogleCredentialField | null,
    advice: string,
    method: "GET" | "POST" = "GET",
  ) {
    super(`${advice} (HTTP ${status}${reason ? ` ${reason}` : ""} on ${method} ${path})`);
    this.permanent = field !== null;
  }
}

/** No usable answer: the address is refused or cannot be resolved or reached, TLS fails, or a timeout. */
export class GoogleConnectionError extends GoogleError {
  override name = "GoogleConnectionError";
  override readonly permanent: boolean;
  constructor(
    readonly reason: "invalid_endpoint" | "dns" | "blocked_address" | "tls" | "timeout" | "network",
    message: string,
  ) {
    super(message);
    this.permanent = reason !== "timeout" && reason !== "network";
  }
}

/** Google answered with something the client cannot use: bad JSON, a wrong shape, a redirect, a bad cursor. */
export class GoogleResponseError extends GoogleError {
  override name = "GoogleResponseError";
  override readonly permanent: boolean;
  constructor(
    readonly reason: "malformed" | "redirect" | "too_large" | "bad_cursor",
    message: string,
  ) {
    super(message);
    this.permanent = reason === "redirect" || reason === "bad_cursor";
  }
}

/** Google asked (`Retry-After`) for a wait past the client's caps, or its quota stayed used up. */
export class GoogleWaitRefusedError extends GoogleError {
  override name = "GoogleWaitRefusedError";
  override readonly permanent = true;
}

const GoogleErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z
      .array(z.looseObject({ reason: z.string().optional(), domain: z.string().optional() }))
      .optional(),
  }),
});

/** Google's reason codes are short camelCase words; anything else from the server is dropped. */
const REASON = /^[a-zA-Z]{1,40}$/;

/** Google's error body (`{ error: { code, message, errors: [{ reason }], status } }`), scrubbed. */
export function readGoogleError(body: string, scrub: Scrub): { reason: string | null; message: string } {
  let parsed: z.infer<typeof GoogleErrorBody> | null = null;
  try {
    parsed = GoogleErrorBody.parse(JSON.parse(body));
  } catch {
    // Not Google's error format (a proxy page, an empty body): the status is all there is.
  }
  const raw = parsed?.error.errors?.[0]?.reason ?? parsed?.error.status ?? "";
  const reason = scrub(raw) === raw && REASON.test(raw) ? raw : null;
  return { reason, message: untrusted(parsed?.error.message ?? "", scrub, 200) };
}

/** Quota answers: 429, or 403 with one of the rate-limit reasons. */
export const RATE_LIMIT_REASONS = ["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"];
export const isRateLimited = (status: number, reason: string | null) =>
  status === 429 || (status === 403 && reason !== null && RATE_LIMIT_REASONS.includes(reason));

const READ_SCOPES_HINT =
  "https://www.googleapis.com/auth/admin.directory.user.readonly and https://www.googleapis.com/auth/admin.directory.group.readonly";

/**
 * The typed error for a Directory API error answer. `listing` says what was asked: a 400 or 404
 * on the users or groups listing is the customer's (only `customer` varies there), on a group's
 * members it is the group's (the caller turns a 404 into `GroupGoneError`).
 */
export function apiError(
  status: number,
  body: string,
  path: string,
  scrub: Scrub,
  listing: "users" | "groups" | "members",
): GoogleApiError {
  const { reason, message } = readGoogleError(body, scrub);
  const said = message ? `: "${message}"` : "";
  const error = (code: GoogleFailureCode, field: GoogleCredentialField | null, advice: string) =>
    new GoogleApiError(status, reason, path, code, field, advice);
  if (isRateLimited(status, reason)) {
    return error(
      "rate_limited",
      null,
      "Google's Admin SDK quota for this project is used up for now (it is counted per minute); try again in a few minutes",
    );
  }
  if (status === 401) {
    return error(
      "key_refused",
      "serviceAccountKey",
      "Google rejected the service account's access token even when new: check that the service account and its key still exist",
    );
  }
  if (status === 403 && reason === "accessNotConfigured") {
    return error(
      "api_disabled",
      "serviceAccountKey",
      "The Admin SDK API is not enabled in the service account's Google Cloud project: enable it (APIs & Services → Library → Admin SDK API)",
    );
  }
  if (status === 403 && reason === "insufficientPermissions") {
    return error(
      "delegation_missing",
      "serviceAccountKey",
      `The service account's domain-wide delegation lacks a scope a sync needs: in the Admin console (Security → API controls → Domain-wide delegation), grant its client ID ${READ_SCOPES_HINT}`,
    );
  }
  if (status === 403) {
    return error(
      "not_admin",
      "adminEmail",
      "The admin the service account acts as may not read users and groups: enter a Workspace admin whose role has the Users and Groups read privileges",
    );
  }
  if ((status === 400 || status === 404) && listing !== "members") {
    return error(
      "unknown_customer",
      "customerId",
      `Google does not know this customer ID${said}: leave it empty (my_customer) or copy it from the Admin console (Account → Account settings)`,
    );
  }
  return error(
    "google_error",
    null,
    status >= 500 ? `Google is failing${said}; try again later` : `Google refused the request${said}`,
  );
}
