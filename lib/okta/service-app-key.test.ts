import { generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { parseServiceAppKey } from "./service-app-key";

const rsa = (modulusLength: number) => generateKeyPairSync("rsa", { modulusLength });
const ec = (namedCurve: string) => generateKeyPairSync("ec", { namedCurve });

/** The parsed key signs what its public half verifies: the pair is intact, whatever the paste. */
async function signsFor(text: string) {
  const parsed = await parseServiceAppKey(text);
  if (!parsed.ok) throw new Error(parsed.message);
  const jwt = await new SignJWT({ sub: "x" })
    .setProtectedHeader({ alg: parsed.key.alg })
    .sign(await importJWK(parsed.key, parsed.key.alg));
  await jwtVerify(jwt, await importJWK(parsed.publicJwk, parsed.key.alg));
  return parsed;
}

describe("a service app's private key, as pasted", () => {
  it("reads PKCS#8, PKCS#1 and SEC1 PEMs, with an algorithm Okta accepts for each key", async () => {
    const { privateKey } = rsa(2048);
    const pkcs8 = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const pkcs1 = privateKey.export({ format: "pem", type: "pkcs1" }).toString();
    expect((await signsFor(`\n  ${pkcs8}  \n`)).key.alg).toBe("RS256");
    expect((await signsFor(pkcs1)).key.alg).toBe("RS256");
    for (const [curve, alg] of [
      ["prime256v1", "ES256"],
      ["secp384r1", "ES384"],
      ["secp521r1", "ES512"],
    ] as const) {
      const sec1 = ec(curve).privateKey.export({ format: "pem", type: "sec1" }).toString();
      expect((await signsFor(sec1)).key.alg).toBe(alg);
    }
  });

  it("reads a JWK or a one-key JWKS, keeping its kid (shown instead of the key) and its RS alg", async () => {
    const { privateKey } = await generateKeyPair("RS384", { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: "okta-key-1", alg: "RS384" };
    const alone = await signsFor(JSON.stringify(jwk));
    expect(alone).toMatchObject({ hint: "okta-key-1", key: { kid: "okta-key-1", alg: "RS384" } });
    expect(alone.publicJwk).toMatchObject({ kid: "okta-key-1", alg: "RS384", use: "sig" });
    expect(alone.publicJwk).not.toHaveProperty("d");
    expect((await signsFor(JSON.stringify({ keys: [jwk] }))).hint).toBe("okta-key-1");
  });

  it("shows a key without a kid by its RFC 7638 thumbprint, which names the public key only", async () => {
    const { privateKey, publicKey } = ec("prime256v1");
    const parsed = await signsFor(privateKey.export({ format: "pem", type: "pkcs8" }).toString());
    const thumbprint = await calculateJwkThumbprint(publicKey.export({ format: "jwk" }) as never);
    expect(parsed.hint).toBe(thumbprint);
    expect(parsed.key).not.toHaveProperty("kid");
  });

  it.each([
    ["nothing", "   ", /Paste the app's private key/],
    [
      "a public key PEM",
      rsa(2048).publicKey.export({ format: "pem", type: "spki" }).toString(),
      /public key/,
    ],
    ["a public JWK", JSON.stringify(rsa(2048).publicKey.export({ format: "jwk" })), /public key/],
    [
      "an encrypted PEM",
      rsa(2048)
        .privateKey.export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "pw" })
        .toString(),
      /encrypted/,
    ],
    ["a 1024-bit RSA key", rsa(1024).privateKey.export({ format: "pem", type: "pkcs8" }).toString(), /2048/],
    [
      "an Ed25519 key",
      generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      /RSA keys and EC keys/,
    ],
    [
      "a secp256k1 key",
      ec("secp256k1").privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      /P-256/,
    ],
    ["a JWKS of two keys", JSON.stringify({ keys: [{}, {}] }), /single key/],
    ["a broken JWK", JSON.stringify({ kty: "RSA", d: "AAAA", n: "x", e: "AQAB" }), /not a valid/],
    ["a kid with separators", JSON.stringify({ kty: "EC", d: "x", kid: 'a" onload="x' }), /kid/],
    ["text", "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----", /PEM/],
  ])("refuses %s with a message that does not repeat the paste", async (_, text, message) => {
    const parsed = await parseServiceAppKey(text);
    expect(parsed).toEqual({ ok: false, message: expect.stringMatching(message) });
    // Neither the key material (a PEM body, a JWK's members) nor any other part of the paste.
    const middle = text.trim().slice(text.trim().length / 2 - 10, text.trim().length / 2 + 10);
    if (!parsed.ok && middle.length === 20) expect(parsed.message).not.toContain(middle);
    if (!parsed.ok) expect(parsed.message).not.toMatch(/"d"|MII|AAAA/);
  });
});
