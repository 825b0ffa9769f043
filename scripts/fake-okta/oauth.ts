import { createHash, randomBytes } from "node:crypto";
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  importJWK,
  type JWK,
  type JWSAlgorithm,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { NotFoundError } from "./directory";
import { OAuthError, OktaFailure } from "./errors";

/**
 * Okta's org authorization server for OAuth 2.0 service apps (client credentials with a
 * `private_key_jwt` client assertion, DPoP per RFC 9449) and the Management API's side of the
 * access tokens it issues: scopes, the admin role, DPoP-bound tokens. It is strict, to prove a
 * client correct: it rejects what Okta rejects, with Okta's errors, and a few things the RFCs
 * forbid that Okta may let pass (see README.md).
 */

export interface FakeServiceApp {
  /** Also the app's id in `/api/v1/apps/{appId}`, as in Okta. */
  clientId: string;
  /** Public JWKs (RSA of 2048 bits or more, or EC P-256/384/521), each with an optional `kid`. */
  keys: JWK[];
  /** The Okta scopes granted to the app, e.g. `okta.users.read`. */
  scopes: string[];
  /** An admin role (e.g. Read-only Administrator) is assigned: without one Okta answers 403. */
  adminRole: boolean;
  /** Okta's "Require Demonstrating Proof of Possession (DPoP) header in token requests". */
  requireDpop: boolean;
  /** The token endpoint demands the server's nonce in DPoP proofs (Okta's always does). */
  dpopNonce?: boolean;
  /**
   * The Management API demands it too: stricter than Okta's resource server today, which RFC 9449
   * allows (§9), so a client that handles the API's `use_dpop_nonce` is proven to.
   */
  resourceDpopNonce?: boolean;
}

export type ServiceAppPatch = Partial<
  Pick<FakeServiceApp, "scopes" | "adminRole" | "requireDpop" | "dpopNonce" | "resourceDpopNonce">
>;

/** What `/oauth2/v1/token` answers. */
export interface TokenAnswer {
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  access_token: string;
  scope: string;
}

/** A service app as the fake holds it. */
export interface ServiceAppState extends Omit<FakeServiceApp, "keys" | "dpopNonce" | "resourceDpopNonce"> {
  keys: RegisteredKey[];
  dpopNonce: boolean;
  resourceDpopNonce: boolean;
}

/** A registered key, as `POST /api/v1/apps/{appId}/credentials/jwks` answers it (without `_links`). */
export type RegisteredKey = JWK & { id: string; status: "ACTIVE"; created: string; lastUpdated: string };

export const TOKEN_PATH = "/oauth2/v1/token";
/** The Okta scopes the fake knows; others are unknown to its authorization server. */
export const OKTA_SCOPES = [
  "okta.users.read",
  "okta.users.manage",
  "okta.groups.read",
  "okta.groups.manage",
  "okta.logs.read",
] as const;
/** What each Management API family needs of an access token (`endpointFamily`'s names). */
export const FAMILY_SCOPES: Record<string, ResourceScope> = {
  users: { required: "okta.users.read", accepted: ["okta.users.read", "okta.users.manage"] },
  groups: { required: "okta.groups.read", accepted: ["okta.groups.read", "okta.groups.manage"] },
  logs: { required: "okta.logs.read", accepted: ["okta.logs.read"] },
};
/** Registering an app's keys: a scope the fake never grants, so only the API token may. */
export const APPS_MANAGE_SCOPE: ResourceScope = {
  required: "okta.apps.manage",
  accepted: ["okta.apps.manage"],
};
export const DEFAULT_ACCESS_TOKEN_TTL_S = 3600;
/** How far a DPoP proof's `iat` may be from the fake's clock, either way (s). */
export const DPOP_PROOF_WINDOW_S = 60;
/** Okta renews its DPoP nonce daily and keeps accepting the one before. */
export const DPOP_NONCE_ROTATION_MS = 24 * 3600_000;

/** The signing algorithms Okta accepts, for client assertions and DPoP proofs alike. */
const SIGNING_ALGS: JWSAlgorithm[] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Okta: an assertion's `exp` at most an hour ahead. */
const MAX_ASSERTION_LIFETIME_S = 3600;
/** How far ahead of the fake's clock an assertion's `iat` may be (s). */
const ASSERTION_SKEW_S = 5;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/** EC curves: their signing algorithm and coordinate size (bytes). */
const CURVES: Record<string, { alg: JWSAlgorithm; bytes: number }> = {
  "P-256": { alg: "ES256", bytes: 32 },
  "P-384": { alg: "ES384", bytes: 48 },
  "P-521": { alg: "ES512", bytes: 66 },
};
/** Okta's limit of keys an app may hold. */
const MAX_KEYS = 50;

const isSigningAlg = (alg: unknown): alg is JWSAlgorithm => SIGNING_ALGS.includes(alg as JWSAlgorithm);
const isOktaScope = (scope: string) => (OKTA_SCOPES as readonly string[]).includes(scope);
const iso = (ms: number) => new Date(ms).toISOString();
const athOf = (accessToken: string) => createHash("sha256").update(accessToken).digest("base64url");

/** A key the fake refuses to register, and why (Okta's `errorCauses`). */
export class KeyRejected extends Error {}

/** Why a DPoP proof is invalid, in Okta's words. */
class ProofProblem extends Error {}

interface StoredKey {
  id: string;
  jwk: JWK;
  created: number;
}

interface ServiceApp extends Omit<FakeServiceApp, "keys" | "dpopNonce" | "resourceDpopNonce"> {
  keys: StoredKey[];
  dpopNonce: boolean;
  resourceDpopNonce: boolean;
}

interface AccessToken {
  clientId: string;
  scopes: string[];
  /** The RFC 7638 thumbprint of the DPoP key the token is bound to; null: a Bearer token. */
  jkt: string | null;
  expiresAt: number;
}

interface Proof {
  jti: string;
  iat: number;
  nonce: unknown;
  jkt: string;
}

/** What a Management API endpoint needs of an access token: a scope, or one that implies it. */
export interface ResourceScope {
  required: string;
  accepted: readonly string[];
}

export interface TokenRequest {
  contentType: string | undefined;
  form: URLSearchParams;
  /** The request URL's query string: OAuth forbids credentials there. */
  search: string;
  /** The request also carries an `Authorization` header, a second client credential. */
  authorization: boolean;
  /** Every `DPoP` header of the request. */
  dpop: string[];
  /** The endpoint invoked: the assertion's audience, the proofs' `htu`. */
  endpoint: string;
}

/** An authenticated access token's standing with the Management API. */
export interface ResourceAccess {
  /** Okta's answer to the token once the fake revoked it (`revokeTokenAfter`). */
  revoked: OktaFailure;
  /** Throws Okta's 403 if the token lacks the endpoint's scope or its app has no admin role. */
  authorize(): void;
}

export interface ResourceRequest {
  scheme: "Bearer" | "DPoP";
  accessToken: string;
  dpop: string[];
  method: string;
  url: URL;
  scope: ResourceScope | null;
}

/** JWT ids seen, each until its JWT would be refused anyway, so a JWT is used at most once. */
class UsedIds {
  private readonly until = new Map<string, number>();
  private claims = 0;

  /** Whether `id` is new; it stays used until `until` (ms). Synchronous, so concurrent replays lose. */
  claim(id: string, until: number, now: number): boolean {
    if (++this.claims % 1000 === 0) {
      for (const [seen, end] of this.until) if (end <= now) this.until.delete(seen);
    }
    if (this.until.has(id)) return false;
    this.until.set(id, until);
    return true;
  }
}

/** The server's DPoP nonce: renewed on the fake's clock, the previous one still accepted. */
class DpopNonces {
  private current = newNonce();
  private previous: string | null = null;
  private since: number;

  constructor(private readonly now: () => number) {
    this.since = now();
  }

  value(): string {
    this.age();
    return this.current;
  }

  accepts(nonce: unknown): boolean {
    this.age();
    return typeof nonce === "string" && (nonce === this.current || nonce === this.previous);
  }

  rotate(): void {
    this.previous = this.current;
    this.current = newNonce();
    this.since = this.now();
  }

  private age(): void {
    while (this.now() - this.since >= DPOP_NONCE_ROTATION_MS) {
      this.previous = this.current;
      this.current = newNonce();
      this.since += DPOP_NONCE_ROTATION_MS;
    }
  }
}

function newNonce(): string {
  return randomBytes(24).toString("base64url");
}

export class OrgAuthorizationServer {
  /** Access tokens issued since the fake started (tests of a client's token caching count them). */
  accessTokensIssued = 0;
  private readonly apps = new Map<string, ServiceApp>();
  private readonly tokens = new Map<string, AccessToken>();
  private readonly usedAssertions = new UsedIds();
  private readonly usedProofs = new UsedIds();
  private readonly nonces: DpopNonces;
  private ttlSeconds = DEFAULT_ACCESS_TOKEN_TTL_S;

  constructor(
    private readonly now: () => number,
    apps: FakeServiceApp[] = [],
  ) {
    this.nonces = new DpopNonces(now);
    for (const app of apps) this.addServiceApp(app);
  }

  addServiceApp(app: FakeServiceApp): ServiceAppState {
    if (typeof app.clientId !== "string" || !app.clientId) throw new Error("A service app needs a clientId");
    if (this.apps.has(app.clientId)) throw new Error(`Service app ${app.clientId} exists`);
    const stored: ServiceApp = {
      clientId: app.clientId,
      keys: [],
      scopes: knownScopes(app.scopes),
      adminRole: app.adminRole === true,
      requireDpop: app.requireDpop === true,
      dpopNonce: app.dpopNonce === true,
      resourceDpopNonce: app.resourceDpopNonce === true,
    };
    for (const jwk of app.keys ?? []) addKey(stored, publicSigningKey(jwk), this.now());
    this.apps.set(app.clientId, stored);
    return this.serviceApp(app.clientId);
  }

  updateServiceApp(clientId: string, patch: ServiceAppPatch): ServiceAppState {
    const app = this.app(clientId);
    if (patch.scopes !== undefined) app.scopes = knownScopes(patch.scopes);
    if (patch.adminRole !== undefined) app.adminRole = patch.adminRole;
    if (patch.requireDpop !== undefined) app.requireDpop = patch.requireDpop;
    if (patch.dpopNonce !== undefined) app.dpopNonce = patch.dpopNonce;
    if (patch.resourceDpopNonce !== undefined) app.resourceDpopNonce = patch.resourceDpopNonce;
    return this.serviceApp(clientId);
  }

  /**
   * Registers a public key as an admin does in Okta (a `kid` made from its thumbprint if it has
   * none); throws `KeyRejected` with Okta's reason.
   */
  async addServiceAppKey(clientId: string, input: unknown): Promise<RegisteredKey> {
    this.app(clientId); // an unknown app is a 404 before the key is looked at
    const jwk = publicSigningKey(input);
    jwk.kid ??= await calculateJwkThumbprint(jwk, "sha256");
    const app = this.app(clientId); // after the await: the checks and the change are one step
    if (app.keys.length >= MAX_KEYS) {
      throw new KeyRejected(
        `You can't create a new key. You have reached the maximum number of keys allowed (${MAX_KEYS}). To add another key, you must first delete an existing one.`,
      );
    }
    if (app.keys.some((key) => key.jwk.kid === undefined)) {
      throw new KeyRejected(
        "Each key should have a unique kid when adding multiple keys. Use the Apps API to update the JWKS to add a kid for the existing key, or delete the existing key and re-add the key with a kid using the JWKS APIs.",
      );
    }
    return registeredKey(addKey(app, jwk, this.now()));
  }

  removeServiceAppKey(clientId: string, kid: string): void {
    const app = this.app(clientId);
    const at = app.keys.findIndex((key) => key.jwk.kid === kid);
    if (at < 0) throw new NotFoundError(`Not found: Resource not found: ${kid} (JsonWebKey)`);
    app.keys.splice(at, 1);
  }

  /** How long the next access tokens live (s); Okta's are fixed at an hour. */
  setAccessTokenTtl(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error("The TTL is a positive number of seconds");
    this.ttlSeconds = seconds;
  }

  /** Renews the server's DPoP nonce now; the previous one stays accepted until the next renewal. */
  rotateDpopNonce(): string {
    this.nonces.rotate();
    return this.nonces.value();
  }

  serviceApp(clientId: string): ServiceAppState {
    const { keys, ...app } = this.app(clientId);
    return { ...app, keys: keys.map(registeredKey) };
  }

  serviceApps() {
    return [...this.apps.keys()].map((clientId) => this.serviceApp(clientId));
  }

  /** `POST /oauth2/v1/token`: the client credentials grant, as Okta's org authorization server. */
  async requestToken(request: TokenRequest): Promise<TokenAnswer> {
    const mediaType = request.contentType?.split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/x-www-form-urlencoded") {
      throw invalidRequest("The request's Content-Type must be application/x-www-form-urlencoded.");
    }
    if (request.search) throw invalidRequest("Parameters must be sent in the request body, not in the URL.");
    const { form } = request;
    const repeated = [...new Set(form.keys())].find((name) => form.getAll(name).length > 1);
    if (repeated) throw invalidRequest(`The '${repeated}' parameter was included more than once.`);
    const assertion = form.get("client_assertion");
    if (assertion && (request.authorization || form.has("client_secret"))) {
      throw invalidRequest(
        "Can't supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a `client_assertion` in the post body.",
      );
    }
    if (!assertion) throw invalidClient("No client credentials found");
    if (form.get("client_assertion_type") !== ASSERTION_TYPE) {
      throw invalidRequest("The `client_assertion_type` is invalid.");
    }
    const now = this.now();
    const app = await this.authenticate(assertion, form.get("client_id"), request.endpoint, now);
    const grantType = form.get("grant_type");
    if (!grantType) throw invalidRequest("The `grant_type` parameter is required.");
    if (grantType !== "client_credentials") {
      throw new OAuthError(400, "unsupported_grant_type", "The grant type in the request isn't supported.");
    }
    const scopes = grantedScopes(app, form.get("scope"));
    const jkt = await this.dpopBinding(app, request, now);
    const accessToken = randomBytes(32).toString("base64url");
    this.tokens.set(accessToken, {
      clientId: app.clientId,
      scopes,
      jkt,
      expiresAt: now + this.ttlSeconds * 1000,
    });
    this.accessTokensIssued++;
    return {
      token_type: jkt ? "DPoP" : "Bearer",
      expires_in: this.ttlSeconds,
      access_token: accessToken,
      scope: scopes.join(" "),
    };
  }

  /**
   * Authenticates an access token presented to the Management API as Okta's resource server does,
   * throwing the `OktaFailure` to answer (with its `WWW-Authenticate` challenge).
   */
  async authenticateResourceRequest(request: ResourceRequest): Promise<ResourceAccess> {
    const { scheme, url, scope } = request;
    const now = this.now();
    const failure = (status: 400 | 401, error: string, description: string, headers = {}) =>
      tokenFailure(status, scheme, url, scope, error, description, headers);
    const token = this.tokens.get(request.accessToken);
    const app = token && this.apps.get(token.clientId);
    if (!token || !app || token.expiresAt <= now) {
      if (token) this.tokens.delete(request.accessToken);
      throw failure(401, "invalid_token", "The access token is invalid.");
    }
    if (token.jkt) {
      if (scheme === "Bearer" || !request.dpop.length) {
        throw failure(400, "invalid_request", "The resource request requires a DPoP proof.");
      }
      let proof: Proof;
      try {
        proof = await checkProof(
          request.dpop,
          request.method,
          url.origin + url.pathname,
          request.accessToken,
          now,
        );
      } catch (error) {
        if (!(error instanceof ProofProblem)) throw error;
        throw failure(400, "invalid_dpop_proof", error.message);
      }
      if (proof.jkt !== token.jkt) {
        throw failure(
          400,
          "invalid_dpop_proof",
          "The DPoP proof JWT key doesn't match the access token's key.",
        );
      }
      if (app.resourceDpopNonce && !this.nonces.accepts(proof.nonce)) {
        throw failure(401, "use_dpop_nonce", "Resource server requires nonce in DPoP proof.", {
          "DPoP-Nonce": this.nonces.value(),
        });
      }
      if (!this.usedProofs.claim(proof.jti, (proof.iat + DPOP_PROOF_WINDOW_S + 1) * 1000, now)) {
        throw failure(400, "invalid_dpop_proof", "The DPoP proof JWT has already been used.");
      }
    } else if (scheme === "DPoP") {
      throw failure(401, "invalid_token", "The access token isn't bound to a DPoP key.");
    }
    return {
      revoked: failure(401, "invalid_token", "The access token is invalid."),
      authorize: () => {
        if (scope && !token.scopes.some((granted) => scope.accepted.includes(granted))) {
          throw new OktaFailure(
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
            {
              "WWW-Authenticate": challenge(
                scheme,
                url,
                scope,
                "insufficient_scope",
                "The access token provided does not contain the required scopes.",
              ),
            },
          );
        }
        // Okta answers a service app with the scope but no admin role as any admin without permission.
        if (!app.adminRole) {
          throw new OktaFailure(
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
          );
        }
      },
    };
  }

  /**
   * Marks the client assertions and DPoP proofs a request carried as used, whatever its answer
   * (a 429 or a fault too): Okta consumes them even when it refuses the request.
   */
  burn(jwts: (string | null | undefined)[]): void {
    const now = this.now();
    for (const jwt of jwts) {
      if (!jwt) continue;
      let typ: unknown;
      let claims: JWTPayload;
      try {
        typ = decodeProtectedHeader(jwt).typ;
        claims = decodeJwt(jwt);
      } catch {
        continue; // not a JWT: nothing it could replay
      }
      if (typeof claims.jti !== "string") continue;
      if (typ === "dpop+jwt") {
        const iat = typeof claims.iat === "number" ? claims.iat * 1000 : now;
        this.usedProofs.claim(claims.jti, iat + (DPOP_PROOF_WINDOW_S + 1) * 1000, now);
      } else if (typeof claims.iss === "string") {
        const exp = typeof claims.exp === "number" ? claims.exp * 1000 : now;
        this.usedAssertions.claim(`${claims.iss}\n${claims.jti}`, exp + 1000, now);
      }
    }
  }

  private app(clientId: string): ServiceApp {
    const app = this.apps.get(clientId);
    if (!app) throw new NotFoundError(`Not found: Resource not found: ${clientId} (AppInstance)`);
    return app;
  }

  /** The service app a client assertion authenticates (RFC 7523, as Okta checks it). */
  private async authenticate(
    assertion: string,
    clientIdParameter: string | null,
    endpoint: string,
    now: number,
  ): Promise<ServiceApp> {
    let alg: unknown;
    let kid: unknown;
    let claims: JWTPayload;
    try {
      ({ alg, kid } = decodeProtectedHeader(assertion));
      claims = decodeJwt(assertion);
    } catch {
      throw invalidClient("The client_assertion token is malformed.");
    }
    const clientId = claims.iss;
    if (typeof clientId !== "string" || clientId !== claims.sub) {
      throw invalidClient("The client_assertion token's 'iss' and 'sub' claims must both be the client_id.");
    }
    const app = this.apps.get(clientId);
    if (!app) throw invalidClient("Invalid value for the `client_id` parameter");
    if (clientIdParameter !== null && clientIdParameter !== clientId) {
      throw invalidClient(
        "The `client_id` parameter doesn't match the client_assertion token's 'sub' claim.",
      );
    }
    if (!isSigningAlg(alg)) throw invalidClient("The client_assertion token's 'alg' header isn't supported.");
    if (!app.keys.length) {
      throw invalidClient(
        `The client has no public keys: register one with POST /api/v1/apps/${clientId}/credentials/jwks.`,
      );
    }
    const candidates = kid === undefined ? app.keys : app.keys.filter((key) => key.jwk.kid === kid);
    if (!candidates.length) {
      throw invalidClient("The client_assertion token has a kid which does not identify any key.");
    }
    const payload = await verifyAssertion(assertion, alg, candidates, now);
    const nowS = Math.floor(now / 1000);
    const exp = payload.exp as number; // required and numeric (jose)
    if (payload.aud !== endpoint) {
      throw invalidClient(
        "The audience claim for client_assertion must be the endpoint invoked for the request.",
      );
    }
    if (
      exp - nowS > MAX_ASSERTION_LIFETIME_S ||
      (payload.iat !== undefined && exp - payload.iat > MAX_ASSERTION_LIFETIME_S)
    ) {
      throw invalidClient("The client_assertion token has an expiration too far into the future.");
    }
    if (payload.iat !== undefined && payload.iat > nowS + ASSERTION_SKEW_S) {
      throw invalidClient("The client_assertion token was issued in the future.");
    }
    if (typeof payload.jti !== "string" || !payload.jti) {
      throw invalidClient("The client_assertion token must have a 'jti' claim.");
    }
    if (!this.usedAssertions.claim(`${clientId}\n${payload.jti}`, (exp + 1) * 1000, now)) {
      throw invalidClient("The client_assertion token has already been used.");
    }
    return app;
  }

  /** The jkt the token is bound to (null: a Bearer token), after checking the request's DPoP proof. */
  private async dpopBinding(app: ServiceApp, request: TokenRequest, now: number): Promise<string | null> {
    if (!request.dpop.length) {
      if (app.requireDpop) throw invalidDpopProof("The DPoP proof JWT header is missing.");
      return null;
    }
    let proof: Proof;
    try {
      proof = await checkProof(request.dpop, "POST", request.endpoint, null, now);
    } catch (error) {
      if (!(error instanceof ProofProblem)) throw error;
      throw invalidDpopProof(error.message);
    }
    if (app.dpopNonce && !this.nonces.accepts(proof.nonce)) {
      throw new OAuthError(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.", {
        "DPoP-Nonce": this.nonces.value(),
      });
    }
    if (!this.usedProofs.claim(proof.jti, (proof.iat + DPOP_PROOF_WINDOW_S + 1) * 1000, now)) {
      throw invalidDpopProof("The DPoP proof JWT has already been used.");
    }
    return proof.jkt;
  }
}

const invalidRequest = (description: string) => new OAuthError(400, "invalid_request", description);
const invalidClient = (description: string) => new OAuthError(401, "invalid_client", description);
const invalidDpopProof = (description: string) => new OAuthError(400, "invalid_dpop_proof", description);

function knownScopes(scopes: unknown): string[] {
  if (!Array.isArray(scopes)) throw new Error("scopes must be a list of Okta scopes");
  const unknown = scopes.filter((scope) => typeof scope !== "string" || !isOktaScope(scope));
  if (unknown.length)
    throw new Error(`Unknown scopes: ${unknown.join(", ")} (known: ${OKTA_SCOPES.join(", ")})`);
  return [...new Set(scopes as string[])];
}

/** The requested scopes, if the app may have them all (Okta grants all or none). */
function grantedScopes(app: ServiceApp, scope: string | null): string[] {
  const requested = [...new Set((scope ?? "").split(" ").filter(Boolean))];
  if (!requested.length) throw new OAuthError(400, "invalid_scope", "No scopes were requested.");
  if (!requested.every(isOktaScope)) {
    throw new OAuthError(
      400,
      "invalid_scope",
      "One or more scopes are not configured for the authorization server resource.",
    );
  }
  const denied = requested.filter((s) => !app.scopes.includes(s));
  if (denied.length) {
    throw new OAuthError(
      400,
      "invalid_scope",
      `The following scopes are not allowed for this request: [${denied.join(", ")}].`,
    );
  }
  return requested;
}

/** The assertion's claims, verified with the first candidate key whose signature matches. */
async function verifyAssertion(
  assertion: string,
  alg: JWSAlgorithm,
  candidates: StoredKey[],
  now: number,
): Promise<JWTPayload> {
  for (const { jwk } of candidates) {
    if (!keyFits(jwk, alg)) continue;
    try {
      const key = await importJWK(jwk, alg);
      const { payload } = await jwtVerify(assertion, key, {
        algorithms: [alg],
        currentDate: new Date(now),
        requiredClaims: ["exp", "jti"],
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw invalidClient("The client_assertion token is expired.");
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw invalidClient(
          error.reason === "missing"
            ? `The client_assertion token must have a '${error.claim}' claim.`
            : `The client_assertion token's '${error.claim}' claim is invalid.`,
        );
      }
      if (error instanceof errors.JWTInvalid) throw invalidClient("The client_assertion token is malformed.");
      // Another key's signature, or a key unfit for this JWS: try the next one.
    }
  }
  throw invalidClient("The client_assertion signature is invalid.");
}

function keyFits(jwk: JWK, alg: JWSAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  return jwk.kty === "RSA" ? alg.startsWith("RS") : CURVES[jwk.crv ?? ""]?.alg === alg;
}

/** A DPoP proof checked per RFC 9449 §4.3 (but its nonce and its single use, which need the server). */
async function checkProof(
  proofs: string[],
  method: string,
  htu: string,
  accessToken: string | null,
  now: number,
): Promise<Proof> {
  if (proofs.length !== 1) throw new ProofProblem("The request must carry exactly one DPoP proof JWT.");
  const [proof = ""] = proofs;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw new ProofProblem("DPoP proof JWT cannot be parsed.");
  }
  if (header.typ !== "dpop+jwt") throw new ProofProblem("'typ' header in the DPoP proof JWT is invalid.");
  if (!isSigningAlg(header.alg)) throw new ProofProblem("'alg' header in the DPoP proof JWT is invalid.");
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null) {
    throw new ProofProblem("'jwk' header in the DPoP proof JWT is missing.");
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw new ProofProblem("'jwk' header in the DPoP proof JWT must not contain a private key.");
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      algorithms: SIGNING_ALGS,
      typ: "dpop+jwt",
      currentDate: new Date(now),
      requiredClaims: ["jti", "htm", "htu", "iat"],
    }));
  } catch (error) {
    if (error instanceof errors.JWTClaimValidationFailed && error.reason === "missing") {
      throw new ProofProblem(`'${error.claim}' claim in the DPoP proof JWT is missing.`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw new ProofProblem("The DPoP proof JWT signature is invalid.");
    }
    throw new ProofProblem("The DPoP proof JWT is invalid.");
  }
  if (payload.htm !== method) throw new ProofProblem("'htm' claim in the DPoP proof JWT is invalid.");
  if (!sameTargetUri(payload.htu, htu))
    throw new ProofProblem("'htu' claim in the DPoP proof JWT is invalid.");
  const iat = payload.iat as number; // required and numeric (jose)
  const age = now / 1000 - iat;
  if (age > DPOP_PROOF_WINDOW_S) {
    throw new ProofProblem(
      `The DPoP proof JWT is issued more than ${DPOP_PROOF_WINDOW_S} seconds in the past.`,
    );
  }
  if (age < -DPOP_PROOF_WINDOW_S)
    throw new ProofProblem("'iat' claim in the DPoP proof JWT is in the future.");
  if (accessToken !== null && payload.ath !== athOf(accessToken)) {
    throw new ProofProblem("'ath' claim in the DPoP proof JWT is invalid.");
  }
  if (typeof payload.jti !== "string" || !payload.jti) {
    throw new ProofProblem("'jti' claim in the DPoP proof JWT is invalid.");
  }
  return { jti: payload.jti, iat, nonce: payload.nonce, jkt: await calculateJwkThumbprint(jwk, "sha256") };
}

/** RFC 9449: `htu` is the target URI without query and fragment (compared after URL normalisation). */
function sameTargetUri(htu: unknown, expected: string): boolean {
  if (typeof htu !== "string" || /[?#]/.test(htu)) return false;
  try {
    const url = new URL(htu);
    return url.origin + url.pathname === expected;
  } catch {
    return false;
  }
}

function tokenFailure(
  status: 400 | 401,
  scheme: "Bearer" | "DPoP",
  url: URL,
  scope: ResourceScope | null,
  error: string,
  description: string,
  headers: Record<string, string>,
): OktaFailure {
  return new OktaFailure(status, "E0000011", "Invalid token provided", {
    "WWW-Authenticate": challenge(scheme, url, scope, error, description),
    ...headers,
  });
}

/** Okta's `WWW-Authenticate` challenge for an access token refused by the Management API. */
function challenge(
  scheme: "Bearer" | "DPoP",
  url: URL,
  scope: ResourceScope | null,
  error: string,
  description: string,
): string {
  const parameters = [
    ...(scheme === "DPoP" ? [`algs="${SIGNING_ALGS.join(" ")}"`] : []),
    `authorization_uri="${url.origin}/oauth2/v1/authorize"`,
    `realm="${url.origin}"`,
    ...(scope ? [`scope="${scope.required}"`] : []),
    `error="${error}"`,
    `error_description="${description}"`,
    `resource="${url.pathname}"`,
  ];
  return `${scheme} ${parameters.join(", ")}`;
}

/** Stores a validated public key in the app, its `kid` unique. */
function addKey(app: ServiceApp, jwk: JWK, now: number): StoredKey {
  if (jwk.kid !== undefined && app.keys.some((key) => key.jwk.kid === jwk.kid)) {
    throw new KeyRejected("All keys in the 'jwks' must have a unique `kid`.");
  }
  const key = { id: `pks${randomBytes(9).toString("hex").slice(0, 17)}`, jwk, created: now };
  app.keys.push(key);
  return key;
}

/** The public members of a JWK Okta accepts for signing, or `KeyRejected` with why not. */
function publicSigningKey(input: unknown): JWK {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new KeyRejected("The JSON Web Key must be a JSON object.");
  }
  const jwk = input as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.filter((member) => member in jwk);
  if (secret.length) {
    throw new KeyRejected(
      `The JSON Web Key has private key members (${secret.join(", ")}): register only the public key.`,
    );
  }
  const text = (member: string) => {
    const value = jwk[member];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !value) throw new KeyRejected(`'${member}' must be a non-empty string.`);
    return value;
  };
  const octets = (member: string) => {
    const value = text(member);
    if (value === undefined) throw new KeyRejected(`'${member}' is required.`);
    try {
      return base64url.decode(value);
    } catch {
      throw new KeyRejected(`'${member}' must be base64url.`);
    }
  };
  const [kid, alg, use, status] = [text("kid"), text("alg"), text("use"), text("status")];
  if (use !== undefined && use !== "sig") throw new KeyRejected("'use' must be 'sig'.");
  if (status !== undefined && status !== "ACTIVE") throw new KeyRejected("Only ACTIVE keys can be added.");
  const common = { ...(kid === undefined ? {} : { kid }), ...(alg === undefined ? {} : { alg }), use: "sig" };
  if (jwk.kty === "RSA") {
    if (alg !== undefined && !["RS256", "RS384", "RS512"].includes(alg)) {
      throw new KeyRejected(`'alg' ${alg} doesn't fit an RSA signing key.`);
    }
    const modulus = octets("n");
    octets("e");
    if (bitLength(modulus) < 2048) {
      throw new KeyRejected("RSA key length in the 'jwks' is less than '2,048' bits for the given key.");
    }
    return { kty: "RSA", ...common, e: jwk.e as string, n: jwk.n as string };
  }
  if (jwk.kty === "EC") {
    const curve = CURVES[text("crv") ?? ""];
    if (!curve) throw new KeyRejected(`'crv' must be one of ${Object.keys(CURVES).join(", ")}.`);
    if (alg !== undefined && alg !== curve.alg) throw new KeyRejected(`'alg' ${alg} doesn't fit this curve.`);
    if (octets("x").length !== curve.bytes || octets("y").length !== curve.bytes) {
      throw new KeyRejected("'x' and 'y' must be the curve's coordinates.");
    }
    return { kty: "EC", ...common, crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string };
  }
  throw new KeyRejected("Only RSA and EC public keys can be added ('kty' RSA or EC).");
}

function bitLength(bytes: Uint8Array): number {
  const first = bytes.findIndex((byte) => byte !== 0);
  return first < 0 ? 0 : (bytes.length - first - 1) * 8 + (bytes[first] ?? 0).toString(2).length;
}

function registeredKey(key: StoredKey): RegisteredKey {
  return {
    id: key.id,
    ...key.jwk,
    status: "ACTIVE",
    created: iso(key.created),
    lastUpdated: iso(key.created),
  };
}
