import { type CryptoKey, importPKCS8, SignJWT } from "jose";
import { z } from "zod";
import { SecretSet } from "@/lib/okta/credentials";
import { type Scrub, secretScrubber, untrusted } from "@/lib/okta/errors";
import type { HttpResponse } from "@/lib/okta/transport";
import { GoogleApiError, GoogleAuthError, isRateLimited, readGoogleError } from "./errors";
import type { ServiceAccountKey } from "./service-account-key";

/**
 * Access tokens for a service account acting as a Workspace admin (domain-wide delegation): the
 * OAuth 2.0 JWT bearer grant (RFC 7523) at Google's token endpoint. Tokens live in this object's
 * memory only, until a minute before they expire; one token request is in flight at a time.
 */

/** What a sync reads: users, groups and their members. */
export const DIRECTORY_SCOPES = [
  "https://www.googleapis.com/auth/admin.directory.user.readonly",
  "https://www.googleapis.com/auth/admin.directory.group.readonly",
] as const;
/** Google's token endpoint, whatever the key file's `token_uri` says; also every assertion's `aud`. */
export const TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
export const TOKEN_PATH = "/token";
const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google accepts assertions that live up to an hour; a short one is worth little if it leaks. */
const ASSERTION_LIFETIME_S = 300;
const EXPIRY_MARGIN_MS = 60_000;

const TokenResponse = z.object({
  access_token: z.string().regex(/^[\x21-\x7e]{1,8192}$/),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().min(1).max(86_400),
});
const OAuthErrorBody = z.looseObject({ error: z.string(), error_description: z.string().nullish() });

export interface ServiceAccountTokensOptions {
  key: ServiceAccountKey;
  /** The admin the service account acts as (`sub`). */
  adminEmail: string;
  tokenUrl: URL;
  /** Sends the token request (retried like any request) and returns Google's answer. */
  send: (url: URL, form: URLSearchParams) => Promise<HttpResponse>;
  /** The clock of token expiry (the JWT's own times are always the real clock's, as Google checks them). */
  now: () => number;
}

export class ServiceAccountTokens {
  readonly #key: ServiceAccountKey;
  readonly #secrets = new SecretSet();
  readonly #keyScrub: Scrub;
  #signingKey: Promise<CryptoKey> | null = null;
  #token: { value: string; expiresAt: number } | null = null;
  #pending: Promise<string> | null = null;

  /** Everything but the key, which only a true private field holds (never enumerated or inspected). */
  private readonly options: Omit<ServiceAccountTokensOptions, "key">;

  constructor({ key, ...options }: ServiceAccountTokensOptions) {
    this.#key = key;
    this.options = options;
    // The private key is never sent; scrubbed anyway (whole, and its base64 body on one line).
    const body = key.privateKey.replace(/-----[^-]+-----|\s/g, "");
    const scrubs = [key.privateKey, body].map(secretScrubber);
    this.#keyScrub = (text) => scrubs.reduce((clean, scrub) => scrub(clean), text);
  }

  readonly scrub: Scrub = (text) => this.#secrets.scrub(this.#keyScrub(text));

  /** The `Authorization` header value for the API. */
  async authorization(): Promise<string> {
    const token = this.#token;
    if (token && token.expiresAt > this.options.now()) return `Bearer ${token.value}`;
    this.#pending ??= this.request().finally(() => {
      this.#pending = null;
    });
    return `Bearer ${await this.#pending}`;
  }

  /** After a 401: forget the token that was sent, so the next request asks for a new one. */
  invalidate(sentAuthorization: string): void {
    if (this.#token && sentAuthorization === `Bearer ${this.#token.value}`) this.#token = null;
  }

  private async request(): Promise<string> {
    const assertion = await this.assertion();
    const form = new URLSearchParams({ grant_type: GRANT_TYPE, assertion });
    const response = await this.options.send(this.options.tokenUrl, form);
    if (response.status === 200) return this.accepted(response);
    if (response.status >= 500 || isRateLimited(response.status, null)) {
      const { reason } = readGoogleError(response.body, this.scrub);
      const limited = response.status === 429;
      throw new GoogleApiError(
        response.status,
        reason,
        TOKEN_PATH,
        limited ? "rate_limited" : "google_error",
        null,
        limited
          ? "Google's token endpoint is rate limiting this service account; try again in a few minutes"
          : "Google's token endpoint is failing; try again later",
        "POST",
      );
    }
    throw this.refusal(response);
  }

  private accepted(response: HttpResponse): string {
    let json: unknown = null;
    try {
      json = JSON.parse(response.body);
    } catch {
      // Handled below as not a token.
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) {
      const value = (json as { access_token?: unknown } | null)?.access_token;
      if (typeof value === "string") this.#secrets.add(value);
      throw new GoogleAuthError(
        "key_refused",
        "serviceAccountKey",
        `Google's token endpoint answered with something that is not a usable access token (POST ${TOKEN_PATH}).`,
      );
    }
    const { access_token, expires_in } = parsed.data;
    this.#secrets.add(access_token);
    const lifetime = expires_in * 1000;
    this.#token = {
      value: access_token,
      expiresAt: this.options.now() + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 2),
    };
    return access_token;
  }

  /** The admin's next step for each refusal, on the form field concerned. */
  private refusal(response: HttpResponse): GoogleAuthError {
    let body: z.infer<typeof OAuthErrorBody> | null = null;
    try {
      body = OAuthErrorBody.parse(JSON.parse(response.body));
    } catch {
      // Not OAuth's error format: the status says all there is.
    }
    const code = body && /^[a-z_]{1,40}$/.test(body.error) ? body.error : "";
    const description = untrusted(body?.error_description ?? "", this.scrub, 200);
    const said = `(HTTP ${response.status}${code && ` ${code}`} on POST ${TOKEN_PATH}${description ? `: "${description}"` : ""})`;
    const { clientId } = this.#key;
    if (code === "unauthorized_client") {
      return new GoogleAuthError(
        "delegation_missing",
        "serviceAccountKey",
        `The service account is not allowed to act as a Workspace admin: in the Admin console (Security → API controls → Domain-wide delegation), add its client ID ${clientId} with the scopes ${DIRECTORY_SCOPES.join(",")} ${said}.`,
      );
    }
    if (code === "invalid_grant" && /invalid email|user id/i.test(description)) {
      return new GoogleAuthError(
        "unknown_admin",
        "adminEmail",
        `Google knows no such user in the Workspace: enter the email address of a Workspace admin ${said}.`,
      );
    }
    if (code === "invalid_grant" && /\b(iat|exp|timeframe|short-lived)\b/i.test(description)) {
      return new GoogleAuthError(
        "key_refused",
        "serviceAccountKey",
        `Google judged the signed request out of date: check that this server's clock is right ${said}.`,
      );
    }
    if (code === "invalid_grant" || code === "invalid_client" || code === "disabled_client") {
      return new GoogleAuthError(
        "key_refused",
        "serviceAccountKey",
        `Google does not accept this key: it was deleted or rotated, or the service account was disabled. Create a new JSON key for the service account in Google Cloud and paste it ${said}.`,
      );
    }
    return new GoogleAuthError(
      "key_refused",
      "serviceAccountKey",
      `Google refused the token request ${said}.`,
    );
  }

  /** The JWT bearer assertion: signed with the key, for Google's token endpoint only, acting as the admin. */
  private async assertion(): Promise<string> {
    const { clientEmail, privateKey, privateKeyId } = this.#key;
    this.#signingKey ??= importPKCS8(privateKey, "RS256");
    const jwt = await new SignJWT({ scope: DIRECTORY_SCOPES.join(" ") })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: privateKeyId })
      .setIssuer(clientEmail)
      .setSubject(this.options.adminEmail)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_LIFETIME_S}s`)
      .sign(await this.#signingKey);
    this.#secrets.add(jwt);
    return jwt;
  }
}
