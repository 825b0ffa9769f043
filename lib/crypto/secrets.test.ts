import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  devKeyring,
  encryptSecret,
  keyringFromEnv,
  last4,
  needsReencryption,
  parseKeyring,
  reencryptSecret,
} from "./secrets";
import { encryptUnboundV1 } from "./testing";

const key = () => randomBytes(32).toString("base64");
const token = "00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_xyz";
const ACME = "https://acme.okta.com";

describe("secret encryption", () => {
  const keyring = parseKeyring(`k1:${key()}`);

  it("round-trips, with a fresh IV each time and the token nowhere in the ciphertext", () => {
    const a = encryptSecret(token, ACME, keyring);
    const b = encryptSecret(token, ACME, keyring);
    expect(a).toMatch(/^v2\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(decryptSecret(a, ACME, keyring)).toBe(token);
    for (const fragment of [
      token,
      token.slice(0, 12),
      Buffer.from(token).toString("base64url").slice(0, 12),
    ]) {
      expect(a).not.toContain(fragment);
    }
  });

  it("detects tampering with the ciphertext, the tag or the key id", () => {
    const sealed = encryptSecret(token, ACME, keyring);
    const [v, kid, iv, tag, ct] = sealed.split(".") as [string, string, string, string, string];
    const flip = (s: string) => Buffer.from(s, "base64url").map((byte, i) => (i === 0 ? byte ^ 1 : byte));
    const altered = [
      [v, kid, iv, tag, Buffer.from(flip(ct)).toString("base64url")],
      [v, kid, iv, Buffer.from(flip(tag)).toString("base64url"), ct],
      [v, kid, Buffer.from(flip(iv)).toString("base64url"), tag, ct],
    ];
    for (const parts of altered)
      expect(() => decryptSecret(parts.join("."), ACME, keyring)).toThrow(/altered/);
    expect(() => decryptSecret("v3.k1.a.b.c", ACME, keyring)).toThrow(/Not a secret/);
    expect(() => decryptSecret(token, ACME, keyring)).toThrow(/Not a secret/);
  });

  it("binds a secret to the origin it was saved for: for any other origin it does not decrypt", () => {
    const sealed = encryptSecret(token, ACME, keyring);
    for (const other of [
      "https://evil.okta.com",
      "https://acme.okta.com.evil.example",
      "http://acme.okta.com",
      "",
    ])
      expect(() => decryptSecret(sealed, other, keyring), other).toThrow(/altered/);
    expect(decryptSecret(sealed, ACME, keyring)).toBe(token);
  });

  it("still reads a secret saved before binding (v1), and binds it when re-encrypted", () => {
    const legacy = encryptUnboundV1(token, keyring);
    expect(decryptSecret(legacy, ACME, keyring)).toBe(token);
    expect(needsReencryption(legacy, keyring)).toBe(true);
    const bound = reencryptSecret(legacy, ACME, keyring);
    expect(bound).toMatch(/^v2\.k1\./);
    expect(needsReencryption(bound, keyring)).toBe(false);
    expect(() => decryptSecret(bound, "https://evil.okta.com", keyring)).toThrow(/altered/);
    // A v1 header on a v2 body (a downgrade to escape the binding) does not decrypt.
    expect(() => decryptSecret(bound.replace(/^v2/, "v1"), ACME, keyring)).toThrow(/altered/);
  });

  it("refuses a wrong key and names a missing key id", () => {
    const sealed = encryptSecret(token, ACME, keyring);
    expect(() => decryptSecret(sealed, ACME, parseKeyring(`k1:${key()}`))).toThrow(/wrong key/);
    expect(() => decryptSecret(sealed, ACME, parseKeyring(`k2:${key()}`))).toThrow(/No encryption key "k1"/);
  });

  it("rotates: old secrets decrypt with the old key and re-encrypt under the new one", () => {
    const oldKey = key();
    const before = parseKeyring(`k0:${oldKey}`);
    const after = parseKeyring(`k1:${key()},k0:${oldKey}`);
    const sealed = encryptSecret(token, ACME, before);
    expect(needsReencryption(sealed, before)).toBe(false);
    expect(needsReencryption(sealed, after)).toBe(true);
    const rotated = reencryptSecret(sealed, ACME, after);
    expect(rotated.split(".")[1]).toBe("k1");
    expect(needsReencryption(rotated, after)).toBe(false);
    expect(decryptSecret(rotated, ACME, after)).toBe(token);
  });

  it("validates TOKEN_ENCRYPTION_KEYS without echoing key material", () => {
    const short = Buffer.from("too short").toString("base64");
    expect(() => parseKeyring(`k1:${short}`)).toThrow(/32 bytes/);
    try {
      parseKeyring(`k1:${short}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(() => parseKeyring("")).toThrow(/no key/);
    expect(() => parseKeyring(`a b:${key()}`)).toThrow(/key id/);
    const k = key();
    expect(() => parseKeyring(`k1:${k},k1:${k}`)).toThrow(/repeats/);
  });

  it("keeps only the last four characters for display", () => {
    expect(last4(token)).toBe("_xyz");
  });
});

describe("where the key comes from", () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), "secrets-"));

  it("uses TOKEN_ENCRYPTION_KEYS when set", () => {
    const keyring = keyringFromEnv({ TOKEN_ENCRYPTION_KEYS: `prod:${key()}`, NODE_ENV: "production" });
    expect(keyring.currentKid).toBe("prod");
  });

  it("creates a development key file (0600) once and reuses it", () => {
    const file = path.join(dir(), ".data", "encryption-key");
    const first = keyringFromEnv({ NODE_ENV: "development" }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = devKeyring(file);
    expect(decryptSecret(encryptSecret(token, ACME, first), ACME, second)).toBe(token);
    expect(readFileSync(file, "utf8")).toMatch(/^dev:/);
  });

  it("refuses to run in production without a configured key, unless told the dev key is deliberate", () => {
    const file = path.join(dir(), "encryption-key");
    expect(() => keyringFromEnv({ NODE_ENV: "production" }, file)).toThrow(
      /TOKEN_ENCRYPTION_KEYS must be set/,
    );
    expect(keyringFromEnv({ NODE_ENV: "production", ALLOW_DEV_ENCRYPTION_KEY: "1" }, file).currentKid).toBe(
      "dev",
    );
  });
});
