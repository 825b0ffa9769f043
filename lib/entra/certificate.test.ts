import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseEntraCertificate } from "./certificate";
import {
  TEST_CERTIFICATE as APP_PEM,
  EXPIRED_CERTIFICATE,
  OTHER_CERTIFICATE as OTHER_PEM,
  pemBlock,
} from "./testing";

const certificateOf = (pem: string) => pemBlock(pem, "CERTIFICATE");
const keyOf = (pem: string) => pemBlock(pem, "PRIVATE KEY");

describe("an Entra certificate credential, as pasted", () => {
  it("reads the certificate and its key in either order, named by its thumbprints", () => {
    const certificate = new X509Certificate(certificateOf(APP_PEM));
    for (const text of [
      APP_PEM,
      `${keyOf(APP_PEM)}\n${certificateOf(APP_PEM)}`,
      `Bag Attributes\n${APP_PEM}`,
    ]) {
      const parsed = parseEntraCertificate(text);
      if (!parsed.ok) throw new Error(parsed.message);
      // The Entra admin center's Thumbprint (SHA-1, hex), and the assertion's x5t#S256.
      expect(parsed.thumbprint).toBe(certificate.fingerprint.replaceAll(":", ""));
      expect(parsed.x5tS256).toBe(createHash("sha256").update(certificate.raw).digest("base64url"));
      expect(parsed.expiresAt).toEqual(new Date(certificate.validTo));
      // What is stored: the two blocks only.
      expect(parsed.pem).not.toContain("Bag Attributes");
      expect(parseEntraCertificate(parsed.pem)).toMatchObject({ ok: true, thumbprint: parsed.thumbprint });
    }
  });

  it.each([
    ["nothing of the kind", "hello", /Paste the certificate and its private key/],
    ["a certificate alone", certificateOf(APP_PEM), /Add the certificate's private key/],
    ["a key alone", keyOf(APP_PEM), /Add the certificate/],
    ["two certificates", `${APP_PEM}${certificateOf(OTHER_PEM)}`, /one certificate/],
    ["another certificate's key", `${certificateOf(APP_PEM)}${keyOf(OTHER_PEM)}`, /not the certificate's/],
    ["an expired certificate", EXPIRED_CERTIFICATE, /expired on 2021-01-01/],
  ])("refuses %s, saying why", (_, text, message) => {
    const parsed = parseEntraCertificate(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });

  it("refuses an encrypted key, and a key that is not RSA", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encrypted = privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "x" })
      .toString();
    expect(parseEntraCertificate(`${certificateOf(APP_PEM)}${encrypted}`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/encrypted/),
    });
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    expect(
      parseEntraCertificate(`${certificateOf(APP_PEM)}${ec.export({ type: "pkcs8", format: "pem" })}`),
    ).toMatchObject({ ok: false, message: expect.stringMatching(/RSA/) });
  });
});
