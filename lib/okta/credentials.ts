import { type Scrub, secretScrubber } from "./errors";
import type { HttpResponse } from "./transport";

/** The private key of an OAuth service app, as a JWK (RSA or EC, with its private members). */
export interface PrivateJwk {
  kty: "RSA" | "EC";
  /** RS256, RS384, RS512, ES256, ES384 or ES512 (`lib/okta/service-app-key.ts` decides). */
  alg: string;
  /** The key's ID in Okta, sent in the client assertion's header when known. */
  kid?: string;
  d: string;
  [member: string]: unknown;
}

/** An Okta API service app: client credentials with a `private_key_jwt` assertion. */
export interface ServiceApp {
  clientId: string;
  privateKey: PrivateJwk;
  /** The app requires DPoP-bound tokens (RFC 9449). */
  dpop: boolean;
}

/** How a client signs in to Okta: an API token (`SSWS`) or a service app's access tokens. */
export type OktaCredential = { token: string } | { serviceApp: ServiceApp };

/** What the client asks of a credential, whatever its kind. */
export interface Credentials {
  /** The headers that authorize one GET of `url`. */
  authorize(url: URL): Promise<Record<string, string>>;
  /**
   * After a 401: what has changed since in the credential (a server's DPoP nonce, a fresh access
   * token), so the request is worth sending once more; null when nothing can.
   */
  renew(response: HttpResponse, sent: Record<string, string>): "nonce" | "token" | null;
  /** The admin's next step for a 401 or 403 answer, when it is not the API token's. */
  advice(response: HttpResponse): string | undefined;
  /** Removes every secret of the credential from text a server sent. */
  readonly scrub: Scrub;
}

/** An API token: `Authorization: SSWS <token>`; a 401 or 403 is the token's or its admin's. */
export function apiTokenCredentials(token: string): Credentials {
  const headers = { Authorization: `SSWS ${token}` };
  return {
    authorize: async () => headers,
    renew: () => null,
    advice: () => undefined,
    scrub: secretScrubber(token),
  };
}

/**
 * Secrets that come and go (access tokens, client assertions), scrubbed together; the newest
 * `keep` are remembered, enough for any answer still in flight to be scrubbed of what it echoes.
 */
export class SecretSet {
  private readonly scrubs = new Map<string, Scrub>();
  constructor(private readonly keep = 16) {}

  add(secret: string): void {
    if (this.scrubs.has(secret)) return;
    this.scrubs.set(secret, secretScrubber(secret));
    for (const old of this.scrubs.keys()) {
      if (this.scrubs.size <= this.keep) break;
      this.scrubs.delete(old);
    }
  }

  readonly scrub: Scrub = (text) => {
    let clean = text;
    for (const scrub of this.scrubs.values()) clean = scrub(clean);
    return clean;
  };
}
