import { constants, createHash, verify, X509Certificate } from "node:crypto";

/**
 * The identity platform's check of a certificate credential's client assertion
 * (learn.microsoft.com/entra/identity-platform/certificate-credentials): a JWT signed RS256 or
 * PS256 by the key of a certificate registered on the app, named by `x5t#S256` (or the older
 * SHA-1 `x5t`), with `iss` = `sub` = the client id, `aud` = the token endpoint, within `nbf`–`exp`,
 * and a `jti` not used before. A refusal is the AADSTS error Entra answers with.
 */

export interface AssertionRefusal {
  status: number;
  error: string;
  aadsts: number;
  message: string;
}

export interface AssertionCheck {
  assertion: string;
  clientId: string;
  /** The app's registered certificates (PEM, public part only). */
  certificates: string[];
  /** The token endpoint URLs the audience may name (the tenant by id or by domain). */
  audiences: string[];
  now: number;
  /** `jti`s used, with when each may be forgotten (its assertion's `exp`). */
  usedJtis: Map<string, number>;
}

/** Entra's allowance for clocks that differ (ms). */
const CLOCK_SKEW_MS = 5 * 60_000;
const REVIEW =
  "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials.";

const refuse = (status: number, error: string, aadsts: number, message: string): AssertionRefusal => ({
  status,
  error,
  aadsts,
  message,
});

const json = (part: string): Record<string, unknown> | null => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString());
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const thumbprint = (certificate: X509Certificate, hash: "sha1" | "sha256") =>
  createHash(hash).update(certificate.raw).digest();

const iso = (ms: number) => new Date(ms).toISOString();

/** Null when Entra would accept the assertion (its `jti` is then used up). */
export function checkClientAssertion(check: AssertionCheck): AssertionRefusal | null {
  const { assertion, clientId, now } = check;
  const [head = "", body = "", signature = "", ...rest] = assertion.split(".");
  const header = json(head);
  const claims = json(body);
  if (!header || !claims || !signature || rest.length) {
    return refuse(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
  }
  if (header.alg !== "RS256" && header.alg !== "PS256") {
    return refuse(
      400,
      "invalid_request",
      5002738,
      `Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm.`,
    );
  }
  // `x5t#S256` first: an assertion may carry both.
  const named =
    typeof header["x5t#S256"] === "string"
      ? { hash: "sha256" as const, value: header["x5t#S256"] }
      : typeof header.x5t === "string"
        ? { hash: "sha1" as const, value: header.x5t }
        : null;
  const shownThumbprint = named ? Buffer.from(named.value, "base64url").toString("hex").toUpperCase() : "";
  const certificate = named
    ? check.certificates
        .map((pem) => new X509Certificate(pem))
        .find((c) => thumbprint(c, named.hash).toString("base64url") === named.value)
    : undefined;
  const invalidKey = (reason: string) =>
    refuse(
      401,
      "invalid_client",
      700027,
      `Client assertion failed signature validation. [Reason - ${reason}, Thumbprint of key used by client: '${shownThumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.] ${REVIEW}`,
    );
  if (!certificate) return invalidKey("The key was not found.");
  const start = Date.parse(certificate.validFrom);
  const end = Date.parse(certificate.validTo);
  if (now < start || now >= end) {
    return invalidKey(`The key used is expired., Found key 'Start=${iso(start)}, End=${iso(end)}'`);
  }
  const signed = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    header.alg === "PS256"
      ? { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : certificate.publicKey,
    Buffer.from(signature, "base64url"),
  );
  if (!signed) return invalidKey("The provided signature value did not match the expected signature value.");
  if (claims.iss !== clientId || claims.sub !== clientId) {
    return refuse(
      401,
      "invalid_client",
      700021,
      `Client assertion application identifier doesn't match 'client_id' parameter. ${REVIEW}`,
    );
  }
  if (typeof claims.aud !== "string" || !check.audiences.includes(claims.aud.toLowerCase())) {
    return refuse(
      401,
      "invalid_client",
      700023,
      `Client assertion audience claim does not match Realm issuer. ${REVIEW}`,
    );
  }
  const nbf = typeof claims.nbf === "number" ? claims.nbf * 1000 : null;
  const exp = typeof claims.exp === "number" ? claims.exp * 1000 : null;
  if (exp === null || now >= exp + CLOCK_SKEW_MS || (nbf !== null && now < nbf - CLOCK_SKEW_MS)) {
    return refuse(
      401,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${nbf === null ? "(none)" : iso(nbf)}, expiry time of assertion ${exp === null ? "(none)" : iso(exp)}. ${REVIEW}`,
    );
  }
  for (const [jti, until] of check.usedJtis) if (until + CLOCK_SKEW_MS <= now) check.usedJtis.delete(jti);
  // Microsoft documents no code of its own for a replayed `jti`: its generic invalid assertion.
  if (typeof claims.jti !== "string" || !claims.jti || check.usedJtis.has(claims.jti)) {
    return refuse(
      401,
      "invalid_client",
      50013,
      "Assertion is invalid: its 'jti' claim is missing or was used before.",
    );
  }
  check.usedJtis.set(claims.jti, exp);
  return null;
}

/** A certificate as the app registration's Upload certificate takes it: the public part only. */
export function publicCertificate(pem: string): { pem: string; thumbprint: string } {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new Error("Upload the certificate only (.cer, .pem or .crt), without its private key");
  }
  const certificate = new X509Certificate(pem);
  return {
    pem: certificate.toString(),
    thumbprint: thumbprint(certificate, "sha1").toString("hex").toUpperCase(),
  };
}
