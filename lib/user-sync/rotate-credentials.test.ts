import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, parseKeyring } from "@/lib/crypto/secrets";
import { encryptUnboundV1 } from "@/lib/crypto/testing";
import { createTestDb, type TestDb } from "@/test-support/db";
import { credentialBinding } from "./credential";
import { rotateUserSyncCredentials } from "./rotate-credentials";

const key = (kid: string, byte: number) => `${kid}:${Buffer.alloc(32, byte).toString("base64")}`;
const OLD = key("old", 1);
const NEW = key("new", 2);
const ACME = "https://acme.okta.com";

let t: TestDb;
let organizationId: string;
beforeAll(async () => {
  t = await createTestDb();
  organizationId = (await t.db.organization.create({ data: { name: "Acme", slug: "acme" } })).id;
});
afterAll(() => t.close());

async function syncWith(name: string, credentialCiphertext: string, domain = ACME) {
  return t.db.userSync.create({
    data: {
      organizationId,
      name,
      domain,
      credentialCiphertext,
      credentialHint: "xxxx",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
}

const tokensUnder = async (keyring: string) =>
  Object.fromEntries(
    (await t.db.userSync.findMany()).map((s) => [
      s.name,
      decryptSecret(s.credentialCiphertext, s.domain, parseKeyring(keyring)),
    ]),
  );

describe("rotating the token encryption key", () => {
  it("re-encrypts every token under the new key without losing one; the old key can then go", async () => {
    await syncWith("a", encryptSecret("00token-a", ACME, parseKeyring(OLD)));
    await syncWith("b", encryptSecret("00token-b", ACME, parseKeyring(OLD)));
    const rotated = `${NEW},${OLD}`;
    expect(await rotateUserSyncCredentials(t.db, parseKeyring(rotated))).toEqual({
      reencrypted: 2,
      current: 0,
      failed: [],
    });
    // Only the new key now: every token still decrypts.
    expect(await tokensUnder(NEW)).toEqual({ a: "00token-a", b: "00token-b" });
    // Run again: nothing to do.
    expect(await rotateUserSyncCredentials(t.db, parseKeyring(rotated))).toEqual({
      reencrypted: 0,
      current: 2,
      failed: [],
    });
  });

  it("reports a token that no configured key decrypts and leaves it as it was", async () => {
    const lost = encryptSecret("00token-c", ACME, parseKeyring(key("lost", 3)));
    const sync = await syncWith("c", lost);
    const report = await rotateUserSyncCredentials(t.db, parseKeyring(NEW));
    expect(report).toMatchObject({ reencrypted: 0, current: 2 });
    expect(report.failed).toEqual([
      { userSyncId: sync.id, error: expect.stringContaining('No encryption key "lost"') },
    ]);
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id: sync.id } })).credentialCiphertext).toBe(
      lost,
    );
    await t.db.userSync.delete({ where: { id: sync.id } });
  });

  it("binds a token saved before binding (v1) to its sync's domain, so no other domain can use it", async () => {
    const globex = "https://globex.okta.com";
    const sync = await syncWith("v1", encryptUnboundV1("00token-v1", parseKeyring(NEW)), globex);
    expect(await rotateUserSyncCredentials(t.db, parseKeyring(NEW))).toEqual({
      reencrypted: 1,
      current: 2,
      failed: [],
    });
    const { credentialCiphertext } = await t.db.userSync.findUniqueOrThrow({ where: { id: sync.id } });
    expect(decryptSecret(credentialCiphertext, globex, parseKeyring(NEW))).toBe("00token-v1");
    expect(() => decryptSecret(credentialCiphertext, ACME, parseKeyring(NEW))).toThrow(/does not decrypt/);
    await t.db.userSync.delete({ where: { id: sync.id } });
  });

  it("re-encrypts a service app's private key bound to its domain and client ID, which it stays bound to", async () => {
    const clientId = "0oaRotatedApp0000001";
    const bound = credentialBinding({ domain: ACME, authMethod: "OAUTH_SERVICE_APP", clientId });
    const jwk = JSON.stringify({ kty: "EC", crv: "P-256", d: "private-member", alg: "ES256" });
    const sync = await t.db.userSync.update({
      where: { id: (await syncWith("app", encryptSecret(jwk, bound, parseKeyring(OLD)))).id },
      data: { authMethod: "OAUTH_SERVICE_APP", clientId },
    });
    expect(await rotateUserSyncCredentials(t.db, parseKeyring(`${NEW},${OLD}`))).toEqual({
      reencrypted: 1,
      current: 2,
      failed: [],
    });
    const { credentialCiphertext } = await t.db.userSync.findUniqueOrThrow({ where: { id: sync.id } });
    expect(decryptSecret(credentialCiphertext, bound, parseKeyring(NEW))).toBe(jwk);
    expect(() => decryptSecret(credentialCiphertext, ACME, parseKeyring(NEW))).toThrow(/does not decrypt/);
    await t.db.userSync.delete({ where: { id: sync.id } });
  });

  it.skipIf(!process.env.DATABASE_URL)("npm run secrets:rotate does it from the command line", async () => {
    await t.db.userSync.updateMany({
      data: { credentialCiphertext: encryptSecret("00token-x", ACME, parseKeyring(OLD)) },
    });
    const { stdout } = await promisify(execFile)("npx", ["tsx", "scripts/rotate-secrets.ts"], {
      env: { ...process.env, DATABASE_URL: t.url, TOKEN_ENCRYPTION_KEYS: `${NEW},${OLD}` },
    });
    expect(stdout).toContain("Re-encrypted 2 credential(s); 0 already under the current key.");
    expect(await tokensUnder(NEW)).toEqual({ a: "00token-x", b: "00token-x" });
  });
});
