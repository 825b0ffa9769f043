import { importJWK, jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { parseServiceAppKey } from "@/lib/okta/service-app-key";
import { generateServiceAppKeyPair } from "./service-app-key-pair";

describe("generateServiceAppKeyPair", () => {
  it("makes a private key the server accepts, named by the kid shown, whose public half is the one to add in Okta", async () => {
    const pair = await generateServiceAppKeyPair();
    const parsed = await parseServiceAppKey(pair.privateJwk);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.hint).toBe(pair.kid);
    expect(parsed.key).toMatchObject({ kty: "RSA", alg: "RS256", kid: pair.kid });
    expect(JSON.parse(pair.publicJwk)).toEqual(parsed.publicJwk);
    expect(parsed.publicJwk).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: pair.kid });
  });

  it("shows no private member in the public key", async () => {
    const publicJwk = JSON.parse((await generateServiceAppKeyPair()).publicJwk) as Record<string, unknown>;
    expect(Object.keys(publicJwk).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
  });

  it("signs client assertions that only its own public key verifies", async () => {
    const [pair, other] = await Promise.all([generateServiceAppKeyPair(), generateServiceAppKeyPair()]);
    expect(other.kid).not.toBe(pair.kid);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid: pair.kid })
      .setSubject("0oa1b2c3d4E5F6G7h8i9")
      .sign(await importJWK(JSON.parse(pair.privateJwk), "RS256"));
    const verified = await jwtVerify(assertion, await importJWK(JSON.parse(pair.publicJwk), "RS256"));
    expect(verified.payload.sub).toBe("0oa1b2c3d4E5F6G7h8i9");
    await expect(jwtVerify(assertion, await importJWK(JSON.parse(other.publicJwk), "RS256"))).rejects.toThrow(
      /signature/,
    );
  });
});
