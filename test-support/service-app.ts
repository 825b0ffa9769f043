import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { JWK } from "jose";
import { SERVICE_APP_SCOPES } from "@/lib/okta/service-app";
import { type FakeOkta, type FakeOktaOptions, TOKEN_PATH } from "@/scripts/fake-okta";

/**
 * Okta API service apps for tests: a key pair made here, its public half registered with a fake
 * Okta's app, its private half pasted into a sync as an admin would (a PEM).
 */

type FakeServiceApp = NonNullable<FakeOktaOptions["serviceApps"]>[number];

export interface TestServiceApp {
  clientId: string;
  /** The private key as an admin pastes it. */
  privateKey: string;
  publicJwk: JWK;
  /**
   * The app as the fake Okta holds it: the three scopes, the Read-only Administrator role, DPoP
   * required, and the token endpoint's nonce (as Okta's always demands it).
   */
  fake: FakeServiceApp;
}

export function testServiceApp(over: Partial<FakeServiceApp> = {}): TestServiceApp {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const clientId = `0oa${randomBytes(9).toString("hex").slice(0, 17)}`;
  // Okta names each key it holds; the pasted PEM has no kid, so assertions go without one.
  const publicJwk = {
    ...(publicKey.export({ format: "jwk" }) as JWK),
    alg: "ES256",
    use: "sig",
    kid: `key-${clientId}`,
  };
  return {
    clientId,
    privateKey: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicJwk,
    fake: {
      clientId,
      keys: [publicJwk],
      scopes: [...SERVICE_APP_SCOPES],
      adminRole: true,
      requireDpop: true,
      dpopNonce: true,
      ...over,
    },
  };
}

/**
 * How the end-to-end sync suites sign in to their fake Oktas: an API token, or with
 * `OKTA_TEST_AUTH=service-app` (vitest's `service-app` project), an OAuth service app requiring DPoP.
 */
export const serviceAppSuites = process.env.OKTA_TEST_AUTH === "service-app";

/** The requests a fake Okta received at its API: without a service app's token requests. */
export const apiRequests = (fake: FakeOkta) => fake.requests.filter((r) => r.path !== TOKEN_PATH);
