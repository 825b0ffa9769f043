import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPIRED_CERTIFICATE, OTHER_CERTIFICATE, pemBlock, TEST_CERTIFICATE } from "@/lib/entra/testing";
import { type FakeEntra, startFakeEntra } from "./index";

/** The fake's token endpoint checks a certificate's client assertion as Entra does. */

let fake: FakeEntra;
beforeAll(async () => {
  fake = await startFakeEntra({ users: 3, groups: 1, seed: 11 });
  fake.addCertificate(fake.app.clientId, pemBlock(TEST_CERTIFICATE, "CERTIFICATE"));
  fake.addCertificate(fake.app.clientId, pemBlock(EXPIRED_CERTIFICATE, "CERTIFICATE"));
});
afterAll(() => fake.close());

const tokenUrl = () => `${fake.url}/${fake.tenantId}/oauth2/v2.0/token`;
const thumb = (pem: string, hash: "sha1" | "sha256") =>
  createHash(hash)
    .update(new X509Certificate(pemBlock(pem, "CERTIFICATE")).raw)
    .digest("base64url");

async function assertion(
  pem = TEST_CERTIFICATE,
  { alg = "PS256", header, claims = {} }: { alg?: string; header?: object; claims?: object } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: fake.app.clientId,
    sub: fake.app.clientId,
    aud: tokenUrl(),
    jti: randomUUID(),
    nbf: now,
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg, typ: "JWT", ...(header ?? { "x5t#S256": thumb(pem, "sha256") }) })
    .sign(createPrivateKey(pemBlock(pem, "PRIVATE KEY")));
}

async function token(clientAssertion: string) {
  const response = await fetch(tokenUrl(), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: fake.app.clientId,
      scope: "https://graph.microsoft.com/.default",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: clientAssertion,
    }),
  });
  const body = (await response.json()) as { error_codes?: number[]; access_token?: string };
  return { status: response.status, code: body.error_codes?.[0], token: body.access_token };
}

describe("the fake's certificate credentials", () => {
  it("issues a token for an assertion signed PS256 or RS256, named by x5t#S256 or x5t", async () => {
    for (const options of [{}, { alg: "RS256" }, { header: { x5t: thumb(TEST_CERTIFICATE, "sha1") } }]) {
      expect(await token(await assertion(TEST_CERTIFICATE, options))).toMatchObject({ status: 200 });
    }
  });

  it("refuses a replayed assertion", async () => {
    const once = await assertion();
    expect((await token(once)).status).toBe(200);
    expect(await token(once)).toMatchObject({ status: 401, code: 50013 });
  });

  it.each([
    ["an unknown certificate", () => assertion(OTHER_CERTIFICATE), 700027],
    ["an expired certificate", () => assertion(EXPIRED_CERTIFICATE), 700027],
    [
      "a tampered assertion",
      async () => {
        const [head, , signature] = (await assertion()).split(".");
        const forged = Buffer.from(
          JSON.stringify({ iss: fake.app.clientId, sub: fake.app.clientId }),
        ).toString("base64url");
        return `${head}.${forged}.${signature}`;
      },
      700027,
    ],
    ["another issuer", () => assertion(TEST_CERTIFICATE, { claims: { iss: randomUUID() } }), 700021],
    [
      "another audience",
      () => assertion(TEST_CERTIFICATE, { claims: { aud: "https://example.com/token" } }),
      700023,
    ],
    [
      "an expired assertion",
      () => assertion(TEST_CERTIFICATE, { claims: { exp: Math.floor(Date.now() / 1000) - 600 } }),
      700024,
    ],
    ["a malformed assertion", async () => "x.y.z", 50027],
  ])("refuses %s with Entra's code", async (_, make, code) => {
    const answer = await token(await make());
    expect(answer.code).toBe(code);
    expect(answer.token).toBeUndefined();
  });
});
