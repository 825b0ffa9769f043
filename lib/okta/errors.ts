import { z } from "zod";

/**
 * Everything the Okta client throws is an `OktaError`, with a message an admin can act on.
 * None of them ever carries the API token: messages are built from status, codes and paths, and
 * text that came from the server is untrusted: scrubbed of the token (`Scrub`) before it is kept,
 * and an error code or id that does not look like Okta's is dropped.
 */
export abstract class OktaError extends Error {}

/** GET for the API; POST for a service app's token request only (`transport.ts`). */
export type HttpMethod = "GET" | "POST";

/** Okta answered with an error body (or at least an error status). */
export class OktaApiError extends OktaError {
  override name = "OktaApiError";
  constructor(
    readonly status: number,
    readonly errorCode: string | null,
    readonly summary: string,
    readonly errorId: string | null,
    readonly path: string,
    /** What the admin should do, when the credentials know better than the status (a service app). */
    advice?: string,
    readonly method: HttpMethod = "GET",
  ) {
    const where = [
      `HTTP ${status}`,
      errorCode,
      `on ${method} ${path}`,
      errorId && `Okta error id ${errorId}`,
    ];
    super(`${advice ?? adviceFor(status, errorCode, summary)} (${where.filter(Boolean).join(" ")})`);
  }
}

/** The form field a credential problem is fixed in. */
export type CredentialField = "token" | "clientId" | "privateKey" | "dpop";

/**
 * Okta's token endpoint refused an OAuth service app (`lib/okta/service-app.ts`): an unknown client,
 * a key Okta does not hold, scopes not granted, DPoP required or refused. Only the app's settings
 * in Okta or the sync's can fix it; `field` says which of the sync's to look at.
 */
export class OktaAuthError extends OktaError {
  override name = "OktaAuthError";
  constructor(
    readonly reason:
      | "unknown_client"
      | "wrong_key"
      | "missing_scopes"
      | "dpop_required"
      | "dpop_rejected"
      | "refused",
    readonly field: CredentialField,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error no retry can fix: the token is invalid or may not read (401, 403: only a new token or
 * role helps), the org or resource does not exist (404, a name DNS does not know, a redirect), the
 * address is refused or its certificate invalid, or Okta asked for a wait past the caps. The sync
 * fails the run at once instead of retrying it for minutes; rate limits (429), Okta's failures
 * (5xx), the network, timeouts and a garbled page retry.
 */
export function retryCannotFix(error: unknown): error is OktaError {
  if (error instanceof OktaAuthError) return true;
  if (error instanceof OktaApiError) return [401, 403, 404].includes(error.status);
  if (error instanceof OktaConnectionError)
    return ["dns", "tls", "blocked_address", "invalid_domain"].includes(error.reason);
  if (error instanceof OktaResponseError) return error.reason === "redirect";
  return error instanceof OktaWaitRefusedError;
}

/** Okta answered, but with something the client cannot use: bad JSON, a wrong shape, a redirect. */
export class OktaResponseError extends OktaError {
  override name = "OktaResponseError";
  constructor(
    readonly reason: "malformed" | "redirect" | "too_large",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Okta's rate-limit headers asked for a wait past the client's caps: a reset far ahead is a broken
 * or hostile org (Okta's windows are a minute), and retrying would only be asked to wait again.
 */
export class OktaWaitRefusedError extends OktaError {
  override name = "OktaWaitRefusedError";
  constructor(
    readonly until: Date,
    caps: { maxWaitMs: number; waitBudgetMs: number },
  ) {
    const when = Number.isNaN(until.getTime()) ? "a time past any calendar" : until.toISOString();
    super(
      `Okta asked to wait until ${when}, longer than a sync waits for its rate limits ` +
        `(${caps.maxWaitMs / 1000} s at a time, ${caps.waitBudgetMs / 1000} s in a step). The run stopped; ` +
        "Okta's limits reset every minute, so try again later and check the org's rate limits if it recurs.",
    );
  }
}

export type ConnectionFailure = "invalid_domain" | "dns" | "blocked_address" | "tls" | "timeout" | "network";

/** No usable answer: the address is refused, cannot be resolved or reached, TLS fails, or it timed out. */
export class OktaConnectionError extends OktaError {
  override name = "OktaConnectionError";
  constructor(
    readonly reason: ConnectionFailure,
    message: string,
  ) {
    super(message);
  }
}

function adviceFor(status: number, errorCode: string | null, summary: string): string {
  switch (errorCode ?? status) {
    case "E0000011":
    case 401:
      return "Okta rejected the API token: it is wrong, was revoked, expired after 30 days unused, or its admin was deactivated. Create a new token in Okta (Security → API → Tokens)";
    case "E0000006":
    case 403:
      return "The API token may not read users and groups: create it as an admin with at least the Read-Only Administrator role";
    case "E0000007":
    case 404:
      return `Okta found no such resource (${summary})`;
    case "E0000047":
    case 429:
      return "Okta's rate limit for this org is used up (limits are shared with the org's other integrations); try again after a minute";
    default:
      return status >= 500
        ? `Okta is failing (${summary}); try again later`
        : `Okta refused the request: ${summary}`;
  }
}

const ErrorBody = z.looseObject({
  errorCode: z.string(),
  errorSummary: z.string().nullish(),
  errorId: z.string().nullish(),
});

/** Removes a secret from text; see `secretScrubber`. */
export type Scrub = (text: string) => string;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Replaces each form in which a server can echo `secret` with `[redacted]`: raw (so also in
 * `SSWS <secret>`), URL-encoded (escapes in either case), form-encoded, and base64 or base64url
 * at any of the three alignments it can have inside a longer encoded text (the characters its
 * bytes alone decide; at most two bytes at either end can stay readable). Forms shorter than 8
 * characters are left alone: they cannot be told from ordinary text (Okta's tokens have 42).
 */
export function secretScrubber(secret: string): Scrub {
  if (secret.length < 8) return (text) => text;
  const bytes = Buffer.from(secret);
  const cores = [0, 1, 2].map((skip) =>
    bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3),
  );
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    ...cores.flatMap((core) => [core.toString("base64"), core.toString("base64url")]),
  ]);
  const pattern = new RegExp(
    [...forms]
      .filter((form) => form.length >= 8)
      .sort((a, b) => b.length - a.length)
      .map((form) =>
        escapeRegExp(form).replace(/%([0-9A-F]{2})/g, (_, hex: string) => `%(?:${hex}|${hex.toLowerCase()})`),
      )
      .join("|"),
    "g",
  );
  return (text) => text.replace(pattern, "[redacted]");
}

/** Untrusted text for a message: scrubbed, on one line, without control or bidi characters, bounded. */
export const untrusted = (text: string, scrub: Scrub, max: number) =>
  scrub(text)
    .replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .trim()
    .slice(0, max);

/**
 * How Okta's ids look (users, groups, log events, errors): short, letters, digits, `-` and `_`. Text
 * from Okta that should be an id and is not is dropped: no separator, control or long text passes.
 */
export const OKTA_ID = /^[\w-]{1,64}$/;

/** Okta's error codes are `E` and seven digits; its error ids look like its other ids. */
const kept = (text: string | null | undefined, scrub: Scrub, shape: RegExp) => {
  const value = text && scrub(text);
  return value && shape.test(value) ? value : null;
};

/** The typed error for a non-2xx answer, reading Okta's error body when there is one. */
export function apiError(
  status: number,
  body: string,
  path: string,
  scrub: Scrub,
  advice?: string,
  method: HttpMethod = "GET",
): OktaApiError {
  let parsed: z.infer<typeof ErrorBody> | null = null;
  try {
    parsed = ErrorBody.parse(JSON.parse(body));
  } catch {
    // Not Okta's error format (a proxy page, an empty body): the status is all there is.
  }
  return new OktaApiError(
    status,
    kept(parsed?.errorCode, scrub, /^E\d{7}$/),
    untrusted(parsed?.errorSummary || `HTTP ${status}`, scrub, 300),
    kept(parsed?.errorId, scrub, OKTA_ID),
    path,
    advice,
    method,
  );
}

/**
 * JSON from Okta with every string (keys included) scrubbed of the token, so what the sync stores
 * or shows (names, profiles, the org's links) cannot carry it either.
 */
export function parseUntrustedJson(body: string, scrub: Scrub): unknown {
  // Without escapes every string of the JSON is a slice of its text: a clean text parses as is.
  if (!body.includes("\\") && scrub(body) === body) return JSON.parse(body);
  return JSON.parse(body, (_key, value: unknown) => {
    if (typeof value === "string") return scrub(value);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const entries = Object.entries(value);
    return entries.some(([key]) => scrub(key) !== key)
      ? Object.fromEntries(entries.map(([key, v]) => [scrub(key), v]))
      : value;
  });
}
