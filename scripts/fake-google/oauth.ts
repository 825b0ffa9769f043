import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { compactVerify, decodeProtectedHeader } from "jose";

/**
 * Google's token endpoint for service accounts, as strict as Google's: the JWT bearer grant, an
 * RS256 assertion signed by a key the service account holds (`kid`), its `iss`, `aud`, `iat`/`exp`
 * (an hour at most), and domain-wide delegation: the service account's client ID granted every
 * scope asked, `sub` a user of the Workspace. Access tokens are remembered with their scopes and
 * admin; the API checks them (`server.ts`).
 */

export const TOKEN_PATH = "/token";
export const TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
export const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const USER_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly";
export const GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly";
export const DEFAULT_ACCESS_TOKEN_TTL_S = 3599;
/** How far ahead of the fake's clock an assertion's `iat` may be. */
const CLOCK_SKEW_S = 300;

export interface FakeServiceAccount {
  clientEmail: string;
  clientId: string;
  /** Public keys by key ID. */
  keys: Map<string, KeyObject>;
}

export interface IssuedToken {
  clientId: string;
  /** The admin the token acts as. */
  subject: string;
  scopes: Set<string>;
  expiresAt: number;
}

/** A refusal in OAuth's format: `{ error, error_description }`. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

const invalidGrant = (description: string) => new OAuthError(400, "invalid_grant", description);
const INVALID_SIGNATURE = "Invalid JWT Signature.";
const BAD_TIMES =
  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

export class TokenEndpoint {
  readonly serviceAccounts = new Map<string, FakeServiceAccount>();
  /** Domain-wide delegation: client ID → scopes granted. */
  readonly delegations = new Map<string, Set<string>>();
  private readonly tokens = new Map<string, IssuedToken>();
  accessTokenTtlS = DEFAULT_ACCESS_TOKEN_TTL_S;
  issued = 0;
  private sequence = 0;

  constructor(
    private readonly now: () => number,
    /** Whether `email` is a user of the Workspace (an unknown `sub` is refused). */
    private readonly userExists: (email: string) => boolean,
  ) {}

  /**
   * A new service account with a fresh key and (unless `delegated` is empty) domain-wide delegation
   * of `delegated`; returns its JSON key file as Google's console gives it.
   */
  createServiceAccount(options: { name?: string; delegated?: string[] } = {}): string {
    const n = ++this.sequence;
    const clientEmail = `${options.name ?? `sync-${n}`}@fake-project.iam.gserviceaccount.com`;
    const clientId = `1${String(n).padStart(20, "0")}`;
    this.serviceAccounts.set(clientEmail, { clientEmail, clientId, keys: new Map() });
    const scopes = options.delegated ?? [USER_SCOPE, GROUP_SCOPE];
    if (scopes.length) this.delegations.set(clientId, new Set(scopes));
    return this.addKey(clientEmail);
  }

  /** A new key for the service account; returns its JSON key file. */
  addKey(clientEmail: string): string {
    const account = this.serviceAccount(clientEmail);
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = randomBytes(20).toString("hex");
    account.keys.set(kid, publicKey);
    return JSON.stringify(
      {
        type: "service_account",
        project_id: "fake-project",
        private_key_id: kid,
        private_key: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
        client_email: clientEmail,
        client_id: account.clientId,
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: TOKEN_AUDIENCE,
        auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
        universe_domain: "googleapis.com",
      },
      null,
      2,
    );
  }

  /** Deletes a key (as in Google Cloud): assertions it signs are refused; tokens already issued live on. */
  deleteKey(kid: string): void {
    for (const account of this.serviceAccounts.values()) account.keys.delete(kid);
  }

  grantDelegation(clientId: string, scopes: string[]): void {
    this.delegations.set(clientId, new Set(scopes));
  }

  revokeDelegation(clientId: string): void {
    this.delegations.delete(clientId);
  }

  /** Every access token stops working at once. */
  revokeAccessTokens(): void {
    this.tokens.clear();
  }

  /** The live token, or null. */
  accessToken(value: string): IssuedToken | null {
    const token = this.tokens.get(value);
    return token && token.expiresAt > this.now() ? token : null;
  }

  async requestToken(contentType: string | undefined, form: URLSearchParams) {
    if (!/^application\/x-www-form-urlencoded\b/.test(contentType ?? "")) {
      throw new OAuthError(400, "invalid_request", "Invalid Content-Type.");
    }
    const grantType = form.get("grant_type");
    if (grantType !== GRANT_TYPE) {
      throw new OAuthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
    }
    const assertion = form.get("assertion");
    if (!assertion) throw new OAuthError(400, "invalid_request", "Missing required parameter: assertion");
    const claims = await this.verify(assertion);
    const now = Math.floor(this.now() / 1000);
    const { iat, exp, aud, scope, sub } = claims;
    if (aud !== TOKEN_AUDIENCE) {
      throw invalidGrant(`Invalid JWT: Failed audience check. The expected audience is ${TOKEN_AUDIENCE}.`);
    }
    if (
      typeof iat !== "number" ||
      typeof exp !== "number" ||
      exp <= iat ||
      exp - iat > 3600 ||
      iat > now + CLOCK_SKEW_S ||
      exp <= now
    ) {
      throw invalidGrant(BAD_TIMES);
    }
    if (typeof scope !== "string" || !scope.trim()) {
      throw new OAuthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    }
    const account = this.serviceAccount(String(claims.iss));
    const granted = this.delegations.get(account.clientId);
    const scopes = scope.trim().split(/\s+/);
    if (typeof sub === "string" && (!granted || !scopes.every((s) => granted.has(s)))) {
      throw new OAuthError(
        401,
        "unauthorized_client",
        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
      );
    }
    if (typeof sub !== "string" || !this.userExists(sub)) throw invalidGrant("Invalid email or User ID");
    const value = `ya29.${randomBytes(96).toString("base64url")}`;
    this.tokens.set(value, {
      clientId: account.clientId,
      subject: sub,
      scopes: new Set(scopes),
      expiresAt: this.now() + this.accessTokenTtlS * 1000,
    });
    this.issued++;
    return { access_token: value, expires_in: this.accessTokenTtlS, token_type: "Bearer" };
  }

  private serviceAccount(clientEmail: string): FakeServiceAccount {
    const account = this.serviceAccounts.get(clientEmail);
    if (!account) throw invalidGrant("Invalid grant: account not found");
    return account;
  }

  /** The assertion's claims once its RS256 signature checks out against its issuer's key `kid`. */
  private async verify(assertion: string): Promise<Record<string, unknown>> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString("utf8"));
    } catch {
      throw invalidGrant("Invalid JWT: could not be decoded.");
    }
    if (typeof claims !== "object" || claims === null)
      throw invalidGrant("Invalid JWT: could not be decoded.");
    const account = this.serviceAccount(String(claims.iss));
    const key = typeof header.kid === "string" ? account.keys.get(header.kid) : undefined;
    if (header.alg !== "RS256" || !key) throw invalidGrant(INVALID_SIGNATURE);
    try {
      await compactVerify(assertion, key, { algorithms: ["RS256"] });
    } catch {
      throw invalidGrant(INVALID_SIGNATURE);
    }
    return claims;
  }
}
