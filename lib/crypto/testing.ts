import { createCipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./secrets";

/** A secret as this application stored it before secrets were bound to a context (`v1`, no binding). */
export function encryptUnboundV1(plaintext: string, keyring: Keyring): string {
  const key = keyring.keys.get(keyring.currentKid);
  if (!key) throw new Error("The current encryption key is missing");
  const header = `v1.${keyring.currentKid}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(header));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [header, iv, cipher.getAuthTag(), ct]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}
