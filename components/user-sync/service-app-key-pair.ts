import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";

/** A key pair for an Okta API service app, made in the browser: the private half never leaves the form. */
export interface ServiceAppKeyPair {
  /** The key's ID in Okta: its RFC 7638 thumbprint, as the server would name a key without one. */
  kid: string;
  /** The private JWK, as the form posts it (`lib/okta/service-app-key.ts` reads it). */
  privateJwk: string;
  /** The public JWK, for the admin to add to the app in Okta. */
  publicJwk: string;
}

/** An RSA key (RS256, 2048 bits: jose's default size) with its `kid`, `alg` and, public, `use`. */
export async function generateServiceAppKeyPair(): Promise<ServiceAppKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const signing = { kid, alg: "RS256" };
  return {
    kid,
    privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), ...signing }),
    publicJwk: JSON.stringify({ ...publicJwk, ...signing, use: "sig" }, null, 2),
  };
}
