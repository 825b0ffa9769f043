import { createPrivateKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { PrivateJwk } from "./credentials";
import { type Scrub, secretScrubber } from "./errors";

/**
 * The private key of an Okta API service app, as an admin pastes it: a PEM (PKCS#8, PKCS#1 or
 * SEC1) or a JWK (alone or as the only key of a JWKS, as Okta's console offers it). Okta signs
 * client assertions with RSA (2048 bits or more) or EC P-256/P-384/P-521 keys.
 */

export type ParsedServiceAppKey =
  | {
      ok: true;
      key: PrivateJwk;
      /** What may be shown of the key: its `kid`, or else its RFC 7638 thumbprint. */
      hint: string;
      /** The public half, to register in Okta. */
      publicJwk: JWK;
    }
  | { ok: false; message: string };

/** Node's names of the curves Okta accepts. */
const EC_ALGS: Record<string, string> = { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" };
const RSA_ALGS = ["RS256", "RS384", "RS512"];
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi"];
/** Okta's key IDs, and those JWK generators make: short, no separators. */
const KID = /^[\w.-]{1,100}$/;

const refuse = (message: string): ParsedServiceAppKey => ({ ok: false, message });

/** The key a JWK (or a one-key JWKS) holds, with the `kid` and `alg` it names; null if not JSON. */
function fromJson(text: string): { key: KeyObject; kid?: string; alg?: string } | string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const keys = (json as { keys?: unknown })?.keys;
  const jwk = Array.isArray(keys) ? (keys.length === 1 ? keys[0] : undefined) : json;
  if (!jwk || typeof jwk !== "object") return "Paste one key: a JWK, or a JWKS holding a single key.";
  const { kid, alg, d } = jwk as { kid?: unknown; alg?: unknown; d?: unknown };
  if (d === undefined) return "This is a public key: paste the private key (Okta keeps the public one).";
  if (kid !== undefined && (typeof kid !== "string" || !KID.test(kid)))
    return "The key's kid is not a valid key ID.";
  try {
    return {
      key: createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" }),
      kid: kid as string | undefined,
      alg: typeof alg === "string" ? alg : undefined,
    };
  } catch {
    return "This JWK is not a valid RSA or EC private key.";
  }
}

export const ENCRYPTED_KEY = "This private key is encrypted: export it without a passphrase.";

/** An unencrypted private key's PEM (PKCS#8, PKCS#1 or SEC1), or why not; shared with Entra's certificates. */
export function privateKeyFromPem(pem: string): KeyObject | "encrypted" | "invalid" {
  // OpenSSL's encrypted PKCS#8, and its legacy encrypted PKCS#1/SEC1 (`Proc-Type: 4,ENCRYPTED`).
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem)) return "encrypted";
  try {
    return createPrivateKey(pem);
  } catch {
    return "invalid";
  }
}

/** Scrubs a private key's members (never sent; scrubbed anyway, should any text hold them). */
export function privateKeyScrubber(jwk: Record<string, unknown>): Scrub {
  const members = PRIVATE_MEMBERS.map((member) => jwk[member])
    .filter((m): m is string => typeof m === "string")
    .map(secretScrubber);
  return (text) => members.reduce((clean, scrub) => scrub(clean), text);
}

function fromPem(text: string): KeyObject | string {
  if (/-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(text)) {
    return "This is a public key or certificate: paste the private key (Okta keeps the public one).";
  }
  const key = privateKeyFromPem(text);
  if (key === "encrypted") return ENCRYPTED_KEY;
  if (key === "invalid") return "Paste the private key as a PEM (-----BEGIN PRIVATE KEY-----) or a JWK.";
  return key;
}

export async function parseServiceAppKey(text: string): Promise<ParsedServiceAppKey> {
  const trimmed = text.trim();
  if (!trimmed) return refuse("Paste the app's private key, or generate a key pair.");
  const json = fromJson(trimmed);
  const parsed = json ?? fromPem(trimmed);
  if (typeof parsed === "string") return refuse(parsed);
  const { key, kid, alg } = "key" in parsed ? parsed : { key: parsed, kid: undefined, alg: undefined };
  const details = key.asymmetricKeyDetails;
  let signing: string | undefined;
  if (key.asymmetricKeyType === "rsa") {
    if ((details?.modulusLength ?? 0) < 2048) return refuse("Okta needs an RSA key of at least 2048 bits.");
    signing = alg && RSA_ALGS.includes(alg) ? alg : "RS256";
  } else if (key.asymmetricKeyType === "ec") {
    signing = EC_ALGS[details?.namedCurve ?? ""];
  }
  if (!signing) return refuse("Okta accepts RSA keys and EC keys on P-256, P-384 or P-521.");
  const jwk = key.export({ format: "jwk" }) as JWK & { d: string };
  const publicJwk = Object.fromEntries(
    Object.entries(jwk).filter(([member]) => !PRIVATE_MEMBERS.includes(member)),
  ) as JWK;
  const thumbprint = await calculateJwkThumbprint(publicJwk);
  return {
    ok: true,
    key: { ...jwk, kty: jwk.kty as "RSA" | "EC", alg: signing, ...(kid ? { kid } : {}) },
    hint: kid ?? thumbprint,
    publicJwk: { ...publicJwk, alg: signing, use: "sig", ...(kid ? { kid } : {}) },
  };
}
