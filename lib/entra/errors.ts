import { z } from "zod";
import { type Scrub, untrusted } from "@/lib/okta/errors";

/**
 * Everything the Entra client throws is an `EntraError`, with a message an admin can act on, built
 * from statuses and codes. Text from the server is untrusted: scrubbed of the client secret (or
 * the certificate's private key and client assertions) and the access tokens before it is kept, and a code or id that does not look like Microsoft's is
 * dropped. An error no retry can fix carries `permanent: true` (`isPermanentFailure`).
 */
export abstract class EntraError extends Error {
  abstract readonly permanent: boolean;
}

/** The form fields of an Entra connection; a credential problem names the one to fix. */
export type EntraField = "tenantId" | "clientId" | "clientSecret" | "certificate";

/** The Microsoft identity platform refused the credentials, or they cannot be valid: only the admin can fix them. */
export class EntraAuthError extends EntraError {
  override name = "EntraAuthError";
  readonly permanent = true;
  constructor(
    readonly reason:
      | "invalid"
      | "unknown_tenant"
      | "unknown_client"
      | "wrong_secret"
      | "expired_secret"
      | "wrong_certificate"
      | "missing_permission"
      | "refused",
    readonly field: EntraField,
    message: string,
  ) {
    super(message);
  }
}

/** Microsoft Graph (or the token endpoint) answered with an error status the client does not map to a credential. */
export class EntraApiError extends EntraError {
  override name = "EntraApiError";
  readonly permanent: boolean;
  constructor(
    readonly status: number,
    /** Graph's `error.code` (e.g. `Request_ResourceNotFound`), when it looks like one. */
    readonly code: string | null,
    readonly requestId: string | null,
    readonly method: "GET" | "POST",
    readonly path: string,
  ) {
    const where = [`HTTP ${status}`, code, `on ${method} ${path}`, requestId && `request-id ${requestId}`];
    super(`${adviceFor(status)} (${where.filter(Boolean).join(" ")})`);
    // A request Graph judges malformed (the same request again is as malformed), a token it refuses
    // even when new, a resource that is not there: retrying changes nothing.
    this.permanent = [400, 401, 404].includes(status);
  }
}

/** No usable answer: an address refused, DNS, TLS, a timeout, the network. */
export class EntraConnectionError extends EntraError {
  override name = "EntraConnectionError";
  readonly permanent: boolean;
  constructor(
    readonly reason: "invalid_endpoint" | "dns" | "blocked_address" | "tls" | "timeout" | "network",
    message: string,
  ) {
    super(message);
    this.permanent = !["timeout", "network"].includes(reason);
  }
}

/** An answer the client cannot use: bad JSON, a wrong shape, a redirect, a link off Graph. */
export class EntraResponseError extends EntraError {
  override name = "EntraResponseError";
  readonly permanent: boolean;
  constructor(
    readonly reason: "malformed" | "redirect" | "too_large" | "foreign_link",
    message: string,
  ) {
    super(message);
    this.permanent = reason === "redirect" || reason === "foreign_link";
  }
}

/** Graph's `Retry-After` asked for a wait past the client's caps: a broken or hostile answer. */
export class EntraWaitRefusedError extends EntraError {
  override name = "EntraWaitRefusedError";
  readonly permanent = true;
  constructor(ms: number, caps: { maxWaitMs: number; waitBudgetMs: number }) {
    super(
      `Microsoft Graph asked to wait ${Math.round(ms / 1000)} s, longer than a sync waits for throttling ` +
        `(${caps.maxWaitMs / 1000} s at a time, ${caps.waitBudgetMs / 1000} s in a step). The run stopped; try again later.`,
    );
  }
}

function adviceFor(status: number): string {
  if (status === 401) {
    return "Microsoft Graph rejected the app's access token even when new: check the app registration and its client secret in Microsoft Entra";
  }
  if (status === 404) return "Microsoft Graph found no such resource";
  if (status === 429) return "Microsoft Graph is throttling this app; try again later";
  if (status >= 500) return "Microsoft Graph is failing; try again later";
  return "Microsoft Graph refused the request";
}

/** The application permissions a sync needs, with admin consent. */
export const REQUIRED_PERMISSIONS = ["User.Read.All", "GroupMember.Read.All"] as const;

export const MISSING_PERMISSION =
  "The app may not read users and groups: in the Microsoft Entra admin center, open App registrations → the app → API permissions, " +
  `add the Microsoft Graph application permissions ${REQUIRED_PERMISSIONS.join(" and ")}, and grant admin consent`;

const GraphErrorBody = z.object({
  error: z.looseObject({
    code: z.string(),
    innerError: z.looseObject({ "request-id": z.string().nullish() }).nullish(),
  }),
});

/** Graph's codes (`Authorization_RequestDenied`, `TooManyRequests`) and request ids (GUIDs). */
const GRAPH_CODE = /^[A-Za-z][\w.]{0,63}$/;
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Graph's error code and request id from an error body, each only when it looks like one. */
export function graphError(body: string, scrub: Scrub): { code: string | null; requestId: string | null } {
  let parsed: z.infer<typeof GraphErrorBody> | null = null;
  try {
    parsed = GraphErrorBody.parse(JSON.parse(body));
  } catch {
    // Not Graph's error format (a proxy page, an empty body): the status is all there is.
  }
  const code = parsed && scrub(parsed.error.code);
  const requestId = parsed?.error.innerError?.["request-id"];
  return {
    code: code && GRAPH_CODE.test(code) ? code : null,
    requestId: requestId && REQUEST_ID.test(requestId) ? requestId : null,
  };
}

const IdentityErrorBody = z.looseObject({
  error: z.string(),
  error_description: z.string().nullish(),
  error_codes: z.array(z.number().int()).nullish(),
  trace_id: z.string().nullish(),
});

/**
 * The token endpoint's refusal, on the field to fix, from its AADSTS codes (never from its text,
 * of which only a scrubbed, bounded excerpt is quoted for the admin).
 */
export function tokenRefusal(
  status: number,
  body: string,
  path: string,
  scrub: Scrub,
): EntraAuthError | EntraApiError {
  let parsed: z.infer<typeof IdentityErrorBody> | null = null;
  try {
    parsed = IdentityErrorBody.parse(JSON.parse(body));
  } catch {
    // Not the identity platform's format.
  }
  if (!parsed || status === 429 || status >= 500) return new EntraApiError(status, null, null, "POST", path);
  const codes = parsed.error_codes ?? [];
  const code = codes[0];
  const error = /^[a-z_]{1,40}$/.test(parsed.error) ? parsed.error : "";
  const traceId = parsed.trace_id && REQUEST_ID.test(parsed.trace_id) ? parsed.trace_id : null;
  // The description's first sentence, without the trace ids and timestamps that follow it.
  const description = untrusted(
    (parsed.error_description ?? "").replace(/^AADSTS\d+:\s*/, "").split(/\r?\n|\sTrace ID:/)[0] ?? "",
    scrub,
    200,
  );
  const said = `(HTTP ${status}${error && ` ${error}`}${code ? ` AADSTS${code}` : ""} on POST ${path}${
    traceId ? ` trace id ${traceId}` : ""
  }${description ? `: "${description}"` : ""})`;
  const has = (...wanted: number[]) => wanted.some((c) => codes.includes(c));
  if (has(90002, 900023, 90072)) {
    return new EntraAuthError(
      "unknown_tenant",
      "tenantId",
      `Microsoft Entra has no such tenant: enter the Directory (tenant) ID from the app registration's Overview page, or a verified domain such as contoso.onmicrosoft.com ${said}.`,
    );
  }
  if (has(700016)) {
    return new EntraAuthError(
      "unknown_client",
      "clientId",
      `The tenant has no app with this Application (client) ID: copy it from the app registration's Overview page in the same tenant ${said}.`,
    );
  }
  if (has(7000215)) {
    return new EntraAuthError(
      "wrong_secret",
      "clientSecret",
      `Microsoft Entra did not accept the client secret: paste the secret's Value (not its Secret ID) from Certificates & secrets, or create a new one ${said}.`,
    );
  }
  if (has(7000222)) {
    return new EntraAuthError(
      "expired_secret",
      "clientSecret",
      `The client secret has expired: create a new one in the app registration's Certificates & secrets and paste its Value here ${said}.`,
    );
  }
  // The certificate's key unknown to the app (or its certificate expired, revoked, out of its dates).
  if (has(700027, 7000274, 7000214, 1000502)) {
    return new EntraAuthError(
      "wrong_certificate",
      "certificate",
      `Microsoft Entra did not accept the certificate: upload it (its public part, the .cer or .pem without the key) to the app registration's Certificates & secrets > Certificates, and check there that its thumbprint matches and it has not expired ${said}.`,
    );
  }
  if (has(700024)) {
    return new EntraAuthError(
      "refused",
      "certificate",
      `Microsoft Entra judged the client assertion out of its valid time: check that this server's clock is right ${said}.`,
    );
  }
  return new EntraAuthError(
    "refused",
    "clientId",
    `Microsoft Entra refused the app's token request ${said}.`,
  );
}
