import { createPrivateKey } from "node:crypto";
import { z } from "zod";

/**
 * A Google Cloud service account's JSON key file, as an admin pastes it (IAM → Service accounts →
 * Keys → Add key → JSON). Only what signing needs is kept; `token_uri` and the other URLs of the
 * file are ignored: the client only ever talks to Google's own token endpoint.
 */
export interface ServiceAccountKey {
  clientEmail: string;
  /** The service account's numeric OAuth client ID: what domain-wide delegation is granted to. */
  clientId: string;
  /** The key's ID, sent as the assertion's `kid`. */
  privateKeyId: string;
  /** PKCS#8 PEM. */
  privateKey: string;
}

export type ParsedServiceAccountKey =
  | {
      ok: true;
      key: ServiceAccountKey;
      /** What may be shown of the key: whose it is and which of its keys. */
      shown: { clientEmail: string; privateKeyId: string; clientId: string };
    }
  | { ok: false; message: string };

const KeyFile = z.looseObject({
  type: z.string(),
  client_email: z.string(),
  client_id: z.string(),
  private_key_id: z.string(),
  private_key: z.string(),
});

const CLIENT_EMAIL = /^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9][a-z0-9.-]{0,251}\.gserviceaccount\.com$/;
const CLIENT_ID = /^\d{10,30}$/;
const KEY_ID = /^[0-9a-f]{40}$/;

const refuse = (message: string): ParsedServiceAccountKey => ({ ok: false, message });

/** Refusals never repeat the paste: it may be a private key pasted in the wrong place. */
export function parseServiceAccountKey(text: string): ParsedServiceAccountKey {
  const trimmed = text.trim();
  if (!trimmed) return refuse("Paste the service account's JSON key file.");
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return refuse(
      trimmed.startsWith("-----BEGIN")
        ? "Paste the whole JSON key file Google gave for the service account, not only its private key."
        : "This is not JSON: paste the service account's JSON key file as downloaded.",
    );
  }
  const file = KeyFile.safeParse(json);
  if (!file.success) {
    return refuse(
      "This JSON is not a service account key file: it needs type, client_email, client_id, private_key_id and private_key.",
    );
  }
  const { type, client_email, client_id, private_key_id, private_key } = file.data;
  if (type !== "service_account") {
    return refuse(
      "This JSON key is not a service account's (its type is not service_account): create a key for a service account in Google Cloud.",
    );
  }
  if (!CLIENT_EMAIL.test(client_email)) {
    return refuse(
      "The key file's client_email is not a service account's address (…@….iam.gserviceaccount.com).",
    );
  }
  if (!CLIENT_ID.test(client_id))
    return refuse("The key file's client_id is not a service account's client ID.");
  if (!KEY_ID.test(private_key_id)) return refuse("The key file's private_key_id is not a Google key ID.");
  if (!/^-----BEGIN PRIVATE KEY-----/.test(private_key.trim())) {
    return refuse("The key file's private_key is not a PKCS#8 private key (-----BEGIN PRIVATE KEY-----).");
  }
  try {
    const key = createPrivateKey(private_key);
    if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      return refuse("The key file's private_key is not an RSA key of 2048 bits or more, as Google's are.");
    }
  } catch {
    return refuse("The key file's private_key cannot be read: paste the file again, unedited.");
  }
  return {
    ok: true,
    key: {
      clientEmail: client_email,
      clientId: client_id,
      privateKeyId: private_key_id,
      privateKey: private_key,
    },
    shown: { clientEmail: client_email, privateKeyId: private_key_id, clientId: client_id },
  };
}
