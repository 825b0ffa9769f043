import { z } from "zod";

/**
 * Everything the Okta client throws is an `OktaError`, with a message an admin can act on.
 * None of them ever carries the API token: messages are built from status, codes and paths, and
 * text that came from the server is scrubbed of the token before it is kept.
 */
export abstract class OktaError extends Error {}

/** Okta answered with an error body (or at least an error status). */
export class OktaApiError extends OktaError {
  override name = "OktaApiError";
  constructor(
    readonly status: number,
    readonly errorCode: string | null,
    readonly summary: string,
    readonly errorId: string | null,
    readonly path: string,
  ) {
    const where = [`HTTP ${status}`, errorCode, `on GET ${path}`, errorId && `Okta error id ${errorId}`];
    super(`${adviceFor(status, errorCode, summary)} (${where.filter(Boolean).join(" ")})`);
  }
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

const scrub = (text: string, secret: string) => (secret ? text.replaceAll(secret, "[redacted]") : text);

/** The typed error for a non-2xx answer, reading Okta's error body when there is one. */
export function apiError(status: number, body: string, path: string, secret: string): OktaApiError {
  let parsed: z.infer<typeof ErrorBody> | null = null;
  try {
    parsed = ErrorBody.parse(JSON.parse(body));
  } catch {
    // Not Okta's error format (a proxy page, an empty body): the status is all there is.
  }
  const summary = scrub(parsed?.errorSummary ?? `HTTP ${status}`, secret).slice(0, 300);
  return new OktaApiError(status, parsed?.errorCode ?? null, summary, parsed?.errorId ?? null, path);
}
