import { createHash, type KeyObject, randomUUID } from "node:crypto";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from "jose";
import { z } from "zod";
import { type Credentials, SecretSet, type ServiceApp } from "./credentials";
import { apiError, type HttpMethod, OktaAuthError, type Scrub, untrusted } from "./errors";
import { privateKeyScrubber } from "./service-app-key";
import { type HttpResponse, TOKEN_PATH } from "./transport";

/**
 * An Okta API service app's access tokens (Okta's recommendation for its management APIs):
 * client credentials with a `private_key_jwt` client assertion, and DPoP (RFC 9449) when the app
 * requires it. Tokens live in memory only, shared by every client of the process for the same org,
 * app and key, until shortly before they expire; they are never stored, logged or returned.
 */

/** What a sync reads: users, groups (and memberships), and the System Log. */
export const SERVICE_APP_SCOPES = ["okta.users.read", "okta.groups.read", "okta.logs.read"] as const;
/** Without the System Log a sync still works, listing everything (as with an API token that may not read it). */
const SCOPES_WITHOUT_LOGS = SERVICE_APP_SCOPES.filter((scope) => scope !== "okta.logs.read");
export const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Okta accepts assertions that expire within an hour, Entra asks for 5–10 minutes; a short one is worth little if it leaks. */
const ASSERTION_LIFETIME_S = 300;

/**
 * A `private_key_jwt` client assertion (RFC 7523), as Okta and the Microsoft identity platform
 * take it: the app is its issuer and subject, the token endpoint its audience, valid from now for
 * a few minutes, single use (`jti`). `header` names the algorithm and the key (`kid`, `x5t#S256`).
 */
export function signClientAssertion({
  clientId,
  audience,
  key,
  header,
}: {
  clientId: string;
  audience: string;
  key: CryptoKey | KeyObject;
  header: { alg: string } & Record<string, string>;
}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ ...header, typ: "JWT" })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime(`${ASSERTION_LIFETIME_S}s`)
    .setJti(randomUUID())
    .sign(key);
}
/** A token is renewed this long before Okta says it expires (at most half its lifetime). */
const EXPIRY_MARGIN_MS = 60_000;
/** The most tokens (orgs × apps × keys) a process keeps; the oldest goes first. */
const CACHE_SIZE = 500;

interface AccessToken {
  value: string;
  type: "Bearer" | "DPoP";
  expiresAt: number;
}

interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** One app's token, the DPoP key it is bound to, and the servers' latest DPoP nonces. */
interface Slot {
  token: AccessToken | null;
  dpopKey: Promise<DpopKey> | null;
  tokenNonce: string | null;
  resourceNonce: string | null;
}

/** The tokens of a process (or of a test), by org, client ID, key and DPoP. */
export class ServiceAppTokenCache {
  private readonly slots = new Map<string, Slot>();

  slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { token: null, dpopKey: null, tokenNonce: null, resourceNonce: null };
      this.slots.set(key, slot);
      for (const old of this.slots.keys()) {
        if (this.slots.size <= CACHE_SIZE) break;
        this.slots.delete(old);
      }
    }
    return slot;
  }
}

const processCache = new ServiceAppTokenCache();

export interface ServiceAppOptions {
  origin: string;
  app: ServiceApp;
  /** Sends the token request (paced, retried, rate limits waited out) and returns Okta's answer. */
  send: (url: URL, headers: Record<string, string>, form: URLSearchParams) => Promise<HttpResponse>;
  userAgent: string;
  cache?: ServiceAppTokenCache;
  /** The clock of token expiry (the JWTs' own times are always the real clock's, as Okta checks them). */
  now?: () => number;
}

const TokenResponse = z.object({
  access_token: z.string().regex(/^[\x21-\x7e]{1,8192}$/),
  token_type: z.string(),
  expires_in: z.number().int().min(1).max(86_400),
});

const OAuthErrorBody = z.looseObject({ error: z.string(), error_description: z.string().nullish() });

const header = (response: HttpResponse, name: string) => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The `error` of a `WWW-Authenticate` challenge, and its `scope`. */
function challenge(response: HttpResponse): { error?: string; scope?: string } {
  const text = header(response, "www-authenticate") ?? "";
  const param = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(text)?.[1];
  return { error: param("error"), scope: param("scope") };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

export class ServiceAppCredentials implements Credentials {
  readonly #app: ServiceApp;
  readonly #secrets = new SecretSet();
  readonly #keyScrub: Scrub;
  #signingKey: Promise<CryptoKey> | null = null;
  #slot: Promise<Slot> | null = null;
  /** This client's token request in flight: its requests wait for it rather than each asking. */
  #pending: Promise<AccessToken> | null = null;
  /** The slot, once known (`renew` is synchronous: a 401 can only follow an `authorize`). */
  private settledSlot: Slot | null = null;
  private readonly tokenUrl: URL;

  constructor(private readonly options: ServiceAppOptions) {
    this.#app = options.app;
    this.tokenUrl = new URL(TOKEN_PATH, options.origin);
    this.#keyScrub = privateKeyScrubber(options.app.privateKey);
  }

  readonly scrub: Scrub = (text) => this.#secrets.scrub(this.#keyScrub(text));

  async authorize(url: URL): Promise<Record<string, string>> {
    const token = await this.token();
    if (token.type === "Bearer") return { Authorization: `Bearer ${token.value}` };
    const slot = await this.slot();
    return {
      Authorization: `DPoP ${token.value}`,
      DPoP: await this.proof("GET", url, slot.resourceNonce, token.value),
    };
  }

  renew(response: HttpResponse, sent: Record<string, string>): "nonce" | "token" | null {
    const sentToken = /^(?:Bearer|DPoP) (.+)$/.exec(sent.Authorization ?? "")?.[1];
    const slot = this.settledSlot;
    if (!slot || !sentToken) return null;
    const nonce = header(response, "dpop-nonce");
    if (challenge(response).error === "use_dpop_nonce" && nonce) {
      slot.resourceNonce = nonce;
      return "nonce";
    }
    // Revoked or expired early: a new one (the client asks once a request).
    if (slot.token?.value === sentToken) slot.token = null;
    return "token";
  }

  advice(response: HttpResponse): string | undefined {
    const { error: refused } = challenge(response);
    if (response.status === 400 && (refused === "invalid_dpop_proof" || refused === "invalid_request")) {
      return "Okta refused the request's DPoP proof: check that this server's clock is right";
    }
    if (response.status === 401) {
      return "Okta rejected the service app's access token even when new: check that the app is active and allows the Client Credentials grant";
    }
    if (response.status !== 403) return undefined;
    const { error, scope } = challenge(response);
    if (error === "insufficient_scope") {
      const named = scope && /^okta\.[\w.]{1,60}$/.test(scope) ? scope : "the scopes it needs";
      return `The service app lacks ${named}: in Okta, grant it on the app's Okta API Scopes tab (${SERVICE_APP_SCOPES.join(", ")})`;
    }
    return "The service app has no admin role that may read users and groups: in Okta, assign it the Read-only Administrator role on the app's Admin roles tab";
  }

  private slot(): Promise<Slot> {
    this.#slot ??= (async () => {
      const { privateKey, clientId, dpop } = this.#app;
      const { kty, crv, e, n, x, y } = privateKey;
      const thumbprint = await calculateJwkThumbprint({ kty, crv, e, n, x, y } as JWK);
      const slot = (this.options.cache ?? processCache).slot(
        [this.options.origin, clientId, thumbprint, dpop ? "dpop" : "bearer"].join(" "),
      );
      this.settledSlot = slot;
      return slot;
    })();
    return this.#slot;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async token(): Promise<AccessToken> {
    const slot = await this.slot();
    if (slot.token && slot.token.expiresAt > this.now()) {
      this.#secrets.add(slot.token.value);
      return slot.token;
    }
    this.#pending ??= this.requestToken(slot)
      .then((token) => {
        slot.token = token;
        return token;
      })
      .finally(() => {
        this.#pending = null;
      });
    const token = await this.#pending;
    this.#secrets.add(token.value);
    return token;
  }

  private async requestToken(slot: Slot): Promise<AccessToken> {
    const { dpop } = this.#app;
    let scopes: readonly string[] = SERVICE_APP_SCOPES;
    let nonceRetried = false;
    for (;;) {
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        scope: scopes.join(" "),
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await this.assertion(),
      });
      const headers: Record<string, string> = {
        Accept: "application/json",
        "User-Agent": this.options.userAgent,
        ...(dpop ? { DPoP: await this.proof("POST", this.tokenUrl, slot.tokenNonce) } : {}),
      };
      const response = await this.options.send(this.tokenUrl, headers, form);
      if (response.status === 200) return this.accepted(response);
      if (response.status >= 500 || response.status === 429) {
        throw apiError(response.status, response.body, TOKEN_PATH, this.scrub, undefined, "POST");
      }
      const error = this.oauthError(response);
      const nonce = header(response, "dpop-nonce");
      if (dpop && error.code === "use_dpop_nonce" && nonce && !nonceRetried) {
        slot.tokenNonce = nonce;
        nonceRetried = true;
        continue;
      }
      if (error.code === "invalid_scope" && scopes.length === SERVICE_APP_SCOPES.length) {
        scopes = SCOPES_WITHOUT_LOGS;
        continue;
      }
      throw this.refusal(response.status, error);
    }
  }

  private accepted(response: HttpResponse): AccessToken {
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      json = null;
    }
    const parsed = TokenResponse.safeParse(json);
    const type = parsed.data?.token_type.toLowerCase();
    // A DPoP token without a proof is useless, and Bearer is all a request without DPoP can get.
    if (!parsed.success || (type !== "bearer" && !(type === "dpop" && this.#app.dpop))) {
      if (parsed.success) this.#secrets.add(parsed.data.access_token);
      throw new OktaAuthError(
        "refused",
        "clientId",
        `Okta's token endpoint answered with something that is not a usable access token (POST ${TOKEN_PATH}).`,
      );
    }
    const { access_token, expires_in } = parsed.data;
    this.#secrets.add(access_token);
    const lifetime = expires_in * 1000;
    return {
      value: access_token,
      type: type === "dpop" ? "DPoP" : "Bearer",
      expiresAt: this.now() + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 2),
    };
  }

  private oauthError(response: HttpResponse): { code: string; description: string } {
    let body: z.infer<typeof OAuthErrorBody> | null = null;
    try {
      body = OAuthErrorBody.parse(JSON.parse(response.body));
    } catch {
      // Not OAuth's error format: the status is all there is.
    }
    // Not OAuth's error format (a proxy page): the status says all there is.
    const code = body && /^[a-z_]{1,40}$/.test(body.error) ? body.error : "";
    return { code, description: untrusted(body?.error_description ?? "", this.scrub, 200) };
  }

  /** An admin's next step for each refusal of the token endpoint, on the form field concerned. */
  private refusal(
    status: number,
    { code, description }: { code: string; description: string },
  ): OktaAuthError {
    const said = `(HTTP ${status}${code && ` ${code}`} on POST ${TOKEN_PATH}${description ? `: "${description}"` : ""})`;
    const { dpop } = this.#app;
    switch (code) {
      case "invalid_client":
        if (/expired|future|not yet valid/i.test(description)) {
          return new OktaAuthError(
            "refused",
            "clientId",
            `Okta judged the client assertion out of date: check that this server's clock is right ${said}.`,
          );
        }
        return /client_id/i.test(description)
          ? new OktaAuthError(
              "unknown_client",
              "clientId",
              `Okta has no app with this Client ID: copy it from the API service app's General tab ${said}.`,
            )
          : new OktaAuthError(
              "wrong_key",
              "privateKey",
              `Okta did not accept the client assertion signed with this private key: add its public key to the app (General tab, Public keys), or paste the private key of a key the app has ${said}.`,
            );
      case "invalid_scope":
        return new OktaAuthError(
          "missing_scopes",
          "clientId",
          `The service app is not granted the scopes a sync needs: in Okta, grant ${SCOPES_WITHOUT_LOGS.join(" and ")} (and okta.logs.read for incremental runs) on the app's Okta API Scopes tab ${said}.`,
        );
      case "invalid_dpop_proof":
      case "use_dpop_nonce":
        return dpop
          ? new OktaAuthError("dpop_rejected", "dpop", `Okta refused the DPoP proof ${said}.`)
          : new OktaAuthError(
              "dpop_required",
              "dpop",
              `This Okta app requires DPoP ("Require Demonstrating Proof of Possession (DPoP) header in token requests"): turn on Require DPoP here ${said}.`,
            );
      case "unauthorized_client":
        return new OktaAuthError(
          "refused",
          "clientId",
          `This app may not use the Client Credentials grant: create an API Services app in Okta ${said}.`,
        );
      default:
        return new OktaAuthError("refused", "clientId", `Okta refused the token request ${said}.`);
    }
  }

  /** The `private_key_jwt` client assertion: single use (`jti`), for this org's token endpoint only. */
  private async assertion(): Promise<string> {
    const { clientId, privateKey } = this.#app;
    this.#signingKey ??= importJWK(privateKey, privateKey.alg) as Promise<CryptoKey>;
    const jwt = await signClientAssertion({
      clientId,
      audience: this.tokenUrl.href,
      key: await this.#signingKey,
      header: { alg: privateKey.alg, ...(privateKey.kid ? { kid: privateKey.kid } : {}) },
    });
    this.#secrets.add(jwt);
    return jwt;
  }

  /** A DPoP proof for one request (RFC 9449 §4.2), with the access token's hash on resource requests. */
  private async proof(htm: HttpMethod, url: URL, nonce: string | null, accessToken?: string) {
    const slot = await this.slot();
    slot.dpopKey ??= generateKeyPair("ES256").then(async ({ privateKey, publicKey }) => ({
      privateKey,
      publicJwk: await exportJWK(publicKey),
    }));
    const key = await slot.dpopKey;
    const proof = await new SignJWT({
      htm,
      htu: `${url.origin}${url.pathname}`,
      ...(accessToken ? { ath: sha256(accessToken) } : {}),
      ...(nonce ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.publicJwk })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(key.privateKey);
    this.#secrets.add(proof);
    return proof;
  }
}
