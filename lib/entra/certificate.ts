import { createHash, type KeyObject, X509Certificate } from "node:crypto";
import { privateKeyFromPem } from "@/lib/okta/service-app-key";

/**
 * An Entra ID app's certificate credential, as an admin pastes it: one PEM holding the X.509
 * certificate (whose public part is uploaded to the app registration) and its unencrypted RSA
 * private key, e.g. `openssl req -x509 -newkey rsa:2048 -noenc -keyout key.pem -out cert.pem`
 * then `cat cert.pem key.pem`. The key signs the client assertions; the certificate names the key
 * to Entra, by its SHA-256 thumbprint (`x5t#S256`).
 */

export interface EntraCertificate {
  /** The certificate and its key, as PEM blocks: what is stored (encrypted), whatever else the paste held. */
  pem: string;
  privateKey: KeyObject;
  /** Base64url SHA-256 of the certificate's DER: the assertion's `x5t#S256` header. */
  x5tS256: string;
  /** Hex SHA-1 of the DER, upper case: the Thumbprint the Entra admin center lists under Certificates. */
  thumbprint: string;
  /** The certificate's notAfter: Entra refuses the key after it. */
  expiresAt: Date;
}

export type ParsedEntraCertificate = ({ ok: true } & EntraCertificate) | { ok: false; message: string };

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
/** Entra's smallest RSA key for certificate credentials. */
const MIN_RSA_BITS = 2048;

const refuse = (message: string): ParsedEntraCertificate => ({ ok: false, message });

/** The certificate and key of a pasted PEM, checked to belong together and to be in date at `now`. */
export function parseEntraCertificate(text: string, now = new Date()): ParsedEntraCertificate {
  const blocks = [...text.matchAll(BLOCK)].map(([block, label]) => ({ block, label: label ?? "" }));
  const certificates = blocks.filter(({ label }) => label === "CERTIFICATE");
  const keys = blocks.filter(({ label }) => label.endsWith("PRIVATE KEY"));
  if (certificates.length === 0 && keys.length === 0) {
    return refuse(
      "Paste the certificate and its private key as PEM (-----BEGIN CERTIFICATE----- … -----BEGIN PRIVATE KEY----- …).",
    );
  }
  if (certificates.length !== 1) {
    return refuse(
      certificates.length
        ? "Paste one certificate (not a chain) with its private key."
        : "Add the certificate (-----BEGIN CERTIFICATE-----) to the private key: Entra knows the key by its certificate.",
    );
  }
  if (keys.length !== 1) {
    return refuse(
      keys.length
        ? "Paste one private key, the certificate's."
        : "Add the certificate's private key (-----BEGIN PRIVATE KEY-----): the certificate alone cannot sign.",
    );
  }
  const certificatePem = certificates[0]?.block ?? "";
  const keyPem = keys[0]?.block ?? "";
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    return refuse("The certificate is not a valid X.509 certificate.");
  }
  const privateKey = privateKeyFromPem(keyPem);
  if (privateKey === "encrypted") {
    return refuse(
      "This private key is encrypted: export it without a passphrase (openssl pkey -in key.pem -out plain.pem).",
    );
  }
  if (privateKey === "invalid") return refuse("The private key is not a valid PEM private key.");
  if (
    privateKey.asymmetricKeyType !== "rsa" ||
    (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS
  ) {
    return refuse(
      `Microsoft Entra signs with RSA keys of ${MIN_RSA_BITS} bits or more: use an RSA certificate.`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    return refuse("The private key is not the certificate's: paste the key the certificate was made with.");
  }
  const expiresAt = new Date(certificate.validTo);
  if (expiresAt <= now) {
    return refuse(
      `The certificate expired on ${expiresAt.toISOString().slice(0, 10)}: make a new one and upload it to the app registration.`,
    );
  }
  if (new Date(certificate.validFrom) > now) {
    return refuse("The certificate is not valid yet: check its start date, or this server's clock.");
  }
  const der = certificate.raw;
  return {
    ok: true,
    pem: `${certificate.toString().trim()}\n${privateKey.export({ type: "pkcs8", format: "pem" }).toString().trim()}\n`,
    privateKey,
    x5tS256: createHash("sha256").update(der).digest("base64url"),
    thumbprint: createHash("sha1").update(der).digest("hex").toUpperCase(),
    expiresAt,
  };
}
