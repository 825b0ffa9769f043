import { createPrivateKey } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { leakedFromError, recordingProxy } from "@/lib/okta/testing";
import { type FakeEntra, startFakeEntra } from "@/scripts/fake-entra";
import { EntraClient, type EntraClientOptions } from "./client";
import { EntraAuthError } from "./errors";
import { OTHER_CERTIFICATE, pemBlock, TEST_CERTIFICATE } from "./testing";

/** Entra ID's certificate credentials, against the fake's token endpoint (which checks every assertion). */

let fake: FakeEntra;
beforeAll(async () => {
  fake = await startFakeEntra({ users: 30, groups: 3, seed: 3, frozenClock: true });
  fake.addCertificate(fake.app.clientId, pemBlock(TEST_CERTIFICATE, "CERTIFICATE"));
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.revokeAccessTokens();
  fake.clearRequests();
});

const client = (options: Partial<EntraClientOptions> = {}) =>
  new EntraClient({
    tenantId: fake.tenantId,
    clientId: fake.app.clientId,
    certificate: TEST_CERTIFICATE,
    endpoints: { login: fake.url, graph: fake.url },
    allowInsecureLocalhost: true,
    maxRetries: 0,
    ...options,
  } as EntraClientOptions);

const tokenRequests = () => fake.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Every form of the private key a careless client could show: its PEM body and its JWK members. */
function keyMaterial(pem: string): string[] {
  const key = createPrivateKey(pemBlock(pem, "PRIVATE KEY"));
  const jwk = key.export({ format: "jwk" }) as Record<string, string>;
  const body = pemBlock(pem, "PRIVATE KEY").split("\n").slice(1, -2);
  return [...["d", "p", "q", "dp", "dq", "qi"].map((m) => jwk[m] ?? ""), body.join(""), ...body.slice(0, 3)];
}

describe("an Entra app signing in with a certificate", () => {
  it("gets tokens with a new client assertion each time, and reads Graph", async () => {
    const entra = client();
    expect((await entra.listUsers(null)).items.length).toBeGreaterThan(0);
    fake.revokeAccessTokens();
    // A second token: the fake refuses an assertion whose jti it has seen.
    expect((await entra.listGroups(null)).items.length).toBeGreaterThan(0);
    expect(tokenRequests().map((r) => r.status)).toEqual([200, 200]);
  });

  it("says a certificate the app does not have is to be uploaded, on the certificate field", async () => {
    const error = await rejection(client({ certificate: OTHER_CERTIFICATE }).listUsers(null));
    expect(error).toBeInstanceOf(EntraAuthError);
    expect(error).toMatchObject({ field: "certificate", reason: "wrong_certificate", permanent: true });
    expect(error.message).toMatch(/Certificates & secrets > Certificates.*AADSTS700027/);
  });

  it("says an assertion out of its time is the server's clock", async () => {
    // Entra allows 5 minutes of skew past the assertion's 5-minute life.
    fake.advanceClock(11 * 60_000);
    try {
      const error = await rejection(client().listUsers(null));
      expect(error).toMatchObject({ field: "certificate", reason: "refused", permanent: true });
      expect(error.message).toMatch(/clock.*AADSTS700024/);
    } finally {
      fake.advanceClock(-11 * 60_000);
    }
  });

  it("refuses a PEM that is no usable certificate before sending anything, on its field", () => {
    for (const certificate of [
      "",
      pemBlock(TEST_CERTIFICATE, "CERTIFICATE"),
      `${pemBlock(TEST_CERTIFICATE, "CERTIFICATE")}${pemBlock(OTHER_CERTIFICATE, "PRIVATE KEY")}`,
    ]) {
      expect(() => client({ certificate })).toThrow(
        expect.objectContaining({ field: "certificate", reason: "invalid", permanent: true }),
      );
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("shows neither its key nor any assertion or token, whatever a hostile server echoes", async () => {
    const hostile = await startFakeEntra({ users: 5, groups: 1, seed: 5, hostile: { echoSecrets: true } });
    hostile.addCertificate(hostile.app.clientId, pemBlock(TEST_CERTIFICATE, "CERTIFICATE"));
    // Through the proxy, the assertions' audience is the proxy: refused (AADSTS700023), and echoed.
    const proxy = await recordingProxy(hostile.url);
    const make = (certificate: string, url: string) =>
      new EntraClient({
        tenantId: hostile.tenantId,
        clientId: hostile.app.clientId,
        certificate,
        endpoints: { login: url, graph: url },
        allowInsecureLocalhost: true,
        maxRetries: 0,
      });
    try {
      const errors = [
        await rejection(make(TEST_CERTIFICATE, proxy.url).listUsers(null)),
        await rejection(make(OTHER_CERTIFICATE, proxy.url).listUsers(null)),
      ];
      const signedIn = make(TEST_CERTIFICATE, hostile.url);
      await signedIn.listUsers(null);
      hostile.injectFault({ fault: { kind: "status", status: 400 }, path: "/v1.0/" });
      errors.push(await rejection(signedIn.listGroups(null)));
      expect(errors[0]?.message).toMatch(/AADSTS700023/);
      expect(errors[1]).toMatchObject({ reason: "wrong_certificate" });
      expect(proxy.sent.length).toBe(2);
      const secrets = [...proxy.sent, ...keyMaterial(TEST_CERTIFICATE), ...keyMaterial(OTHER_CERTIFICATE)];
      for (const error of errors) {
        for (const secret of secrets) {
          expect(leakedFromError(error, secret), `${error.name}: ${inspect(error)}`).toEqual([]);
        }
      }
      for (const secret of keyMaterial(TEST_CERTIFICATE)) {
        expect(inspect(signedIn, { depth: 5, showHidden: true })).not.toContain(secret);
        expect(JSON.stringify(signedIn)).not.toContain(secret);
      }
    } finally {
      await proxy.close();
      await hostile.close();
    }
  });
});
