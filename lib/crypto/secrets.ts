import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Secrets at rest (the Okta API token): AES-256-GCM under a key from `TOKEN_ENCRYPTION_KEYS`
 * (`kid1:<base64 32 bytes>,kid0:<base64>`; the first encrypts, all decrypt, so keys rotate
 * without downtime). Without it, development uses a key file made on first use under `.data/`;
 * production (`NODE_ENV=production`) refuses to run unless `ALLOW_DEV_ENCRYPTION_KEY=1` says
 * the key file is deliberate (a single-machine install with the embedded database).
 *
 * Format: `v2.<kid>.<iv>.<tag>.<ciphertext>` (base64url). Authenticated with it, not stored in it:
 * `v2.<kid>|<boundTo>`, what the secret is for (the Okta token: the origin it was saved for), so
 * a secret copied to or left on a row for another origin does not decrypt.
 * `v1` (before binding: only `v1.<kid>` authenticated) still decrypts, so an upgrade breaks no
 * sync; `npm run secrets:rotate` re-encrypts it as `v2`, bound to its sync's domain.
 */

export interface Keyring {
  currentKid: string;
  keys: ReadonlyMap<string, Buffer>;
}

export class SecretError extends Error {
  override name = "SecretError";
}

const VERSION = "v2";
const UNBOUND_VERSION = "v1";
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const DEV_KEY_FILE = path.join(process.cwd(), ".data", "encryption-key");

function parseKey(entry: string): [string, Buffer] {
  const [kid = "", b64 = ""] = entry.trim().split(":", 2);
  const key = Buffer.from(b64, "base64");
  if (!KID.test(kid))
    throw new SecretError(`Encryption key id "${kid}" must be 1–32 letters, digits, _ or -`);
  if (key.length !== 32) throw new SecretError(`Encryption key "${kid}" must be 32 bytes, base64-encoded`);
  return [kid, key];
}

/** Parses `kid1:<base64>,kid0:<base64>`; the first key is the one that encrypts. */
export function parseKeyring(spec: string): Keyring {
  const entries = spec
    .split(",")
    .filter((e) => e.trim())
    .map(parseKey);
  const first = entries[0];
  if (!first) throw new SecretError("TOKEN_ENCRYPTION_KEYS holds no key");
  const keys = new Map(entries);
  if (keys.size !== entries.length) throw new SecretError("TOKEN_ENCRYPTION_KEYS repeats a key id");
  return { currentKid: first[0], keys };
}

/** The development key: read from `file`, or created there (mode 0600) on first use. */
export function devKeyring(file = DEV_KEY_FILE): Keyring {
  try {
    return parseKeyring(readFileSync(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `dev:${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return parseKeyring(readFileSync(file, "utf8"));
}

export function keyringFromEnv(
  env: Record<string, string | undefined> = process.env,
  devKeyFile = DEV_KEY_FILE,
): Keyring {
  if (env.TOKEN_ENCRYPTION_KEYS) return parseKeyring(env.TOKEN_ENCRYPTION_KEYS);
  if (env.NODE_ENV === "production" && env.ALLOW_DEV_ENCRYPTION_KEY !== "1") {
    throw new SecretError(
      "TOKEN_ENCRYPTION_KEYS must be set in production (e.g. `main:` followed by `openssl rand -base64 32`)",
    );
  }
  return devKeyring(devKeyFile);
}

const b64url = (bytes: Buffer) => bytes.toString("base64url");

let cached: Keyring | undefined;
const defaultKeyring = () => {
  cached ??= keyringFromEnv();
  return cached;
};

/** The authenticated data: the header, and (from v2) what the secret is bound to. */
const associatedData = (version: string, kid: string, boundTo: string) =>
  Buffer.from(version === UNBOUND_VERSION ? `${version}.${kid}` : `${version}.${kid}|${boundTo}`);

/** Encrypts `plaintext` for `boundTo` only: decrypting it for anything else fails. */
export function encryptSecret(
  plaintext: string,
  boundTo: string,
  keyring: Keyring = defaultKeyring(),
): string {
  const key = keyring.keys.get(keyring.currentKid);
  if (!key) throw new SecretError("The current encryption key is missing");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(associatedData(VERSION, keyring.currentKid, boundTo));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${VERSION}.${keyring.currentKid}.${b64url(iv)}.${b64url(cipher.getAuthTag())}.${b64url(ct)}`;
}

function split(ciphertext: string) {
  const [version = "", kid = "", iv = "", tag = "", ct = "", ...rest] = ciphertext.split(".");
  if (![VERSION, UNBOUND_VERSION].includes(version) || rest.length > 0 || !iv || !tag) {
    throw new SecretError("Not a secret encrypted by this application");
  }
  return { version, kid, iv, tag, ct };
}

export function decryptSecret(
  ciphertext: string,
  boundTo: string,
  keyring: Keyring = defaultKeyring(),
): string {
  const { version, kid, iv, tag, ct } = split(ciphertext);
  const key = keyring.keys.get(kid);
  if (!key) throw new SecretError(`No encryption key "${kid}" in TOKEN_ENCRYPTION_KEYS`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(associatedData(version, kid, boundTo));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretError(
      `The secret does not decrypt with key "${kid}": wrong key, altered ciphertext, or saved for another domain`,
    );
  }
}

/** True when the secret is not under the current key, or not bound yet (rotation: re-encrypt it). */
export function needsReencryption(ciphertext: string, keyring: Keyring = defaultKeyring()): boolean {
  const { version, kid } = split(ciphertext);
  return version !== VERSION || kid !== keyring.currentKid;
}

export function reencryptSecret(
  ciphertext: string,
  boundTo: string,
  keyring: Keyring = defaultKeyring(),
): string {
  return encryptSecret(decryptSecret(ciphertext, boundTo, keyring), boundTo, keyring);
}

/** What the UI may show of a token. */
export const last4 = (token: string) => token.slice(-4);
