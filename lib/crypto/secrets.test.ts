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

const key = () => randomBytes(32).toString("base64");
const token = "00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_xyz";

describe("secret encryption", () => {
  const keyring = parseKeyring(`k1:${key()}`);

  it("round-trips, with a fresh IV each time and the token nowhere in the ciphertext", () => {
    const a = encryptSecret(token, keyring);
    const b = encryptSecret(token, keyring);
    expect(a).toMatch(/^v1\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(decryptSecret(a, keyring)).toBe(token);
    for (const fragment of [
      token,
      token.slice(0, 12),
      Buffer.from(token).toString("base64url").slice(0, 12),
    ]) {
      expect(a).not.toContain(fragment);
    }
  });

  it("detects tampering with the ciphertext, the tag or the key id", () => {
    const sealed = encryptSecret(token, keyring);
    const [v, kid, iv, tag, ct] = sealed.split(".") as [string, string, string, string, string];
    const flip = (s: string) => Buffer.from(s, "base64url").map((byte, i) => (i === 0 ? byte ^ 1 : byte));
    const altered = [
      [v, kid, iv, tag, Buffer.from(flip(ct)).toString("base64url")],
      [v, kid, iv, Buffer.from(flip(tag)).toString("base64url"), ct],
      [v, kid, Buffer.from(flip(iv)).toString("base64url"), tag, ct],
    ];
    for (const parts of altered) expect(() => decryptSecret(parts.join("."), keyring)).toThrow(/altered/);
    expect(() => decryptSecret("v2.k1.a.b.c", keyring)).toThrow(/Not a secret/);
    expect(() => decryptSecret(token, keyring)).toThrow(/Not a secret/);
  });

  it("refuses a wrong key and names a missing key id", () => {
    const sealed = encryptSecret(token, keyring);
    expect(() => decryptSecret(sealed, parseKeyring(`k1:${key()}`))).toThrow(/wrong key/);
    expect(() => decryptSecret(sealed, parseKeyring(`k2:${key()}`))).toThrow(/No encryption key "k1"/);
  });

  it("rotates: old secrets decrypt with the old key and re-encrypt under the new one", () => {
    const oldKey = key();
    const before = parseKeyring(`k0:${oldKey}`);
    const after = parseKeyring(`k1:${key()},k0:${oldKey}`);
    const sealed = encryptSecret(token, before);
    expect(needsReencryption(sealed, before)).toBe(false);
    expect(needsReencryption(sealed, after)).toBe(true);
    const rotated = reencryptSecret(sealed, after);
    expect(rotated.split(".")[1]).toBe("k1");
    expect(needsReencryption(rotated, after)).toBe(false);
    expect(decryptSecret(rotated, after)).toBe(token);
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
    expect(decryptSecret(encryptSecret(token, first), second)).toBe(token);
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
