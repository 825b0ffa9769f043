import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DPOP_NONCE_ROTATION_MS,
  type FakeOkta,
  type FakeServiceApp,
  type RegisteredKey,
  startFakeOkta,
  TOKEN_PATH,
} from "@/scripts/fake-okta";

/**
 * The fake's org authorization server and its access tokens at the Management API, attacked as a
 * careless or hostile client would: each refusal is one a client must be ready for from Okta.
 */

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const READ_SCOPES = ["okta.users.read", "okta.groups.read", "okta.logs.read"];

interface Signer {
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  /** Public. */
  jwk: JWK;
}

async function signer(alg: Signer["alg"], kid?: string, modulusLength = 2048): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength });
  return { alg, privateKey, jwk: { ...(await exportJWK(publicKey)), ...(kid ? { kid } : {}) } };
}

let fake: FakeOkta;
let rsa: Signer;
let ec: Signer;
let stranger: Signer;
let dpopKey: Signer;
beforeAll(async () => {
  [rsa, ec, stranger, dpopKey] = await Promise.all([
    signer("RS256", "rsa-1"),
    signer("ES256", "ec-1"),
    signer("RS256", "rsa-1"),
    signer("ES256"),
  ]);
  fake = await startFakeOkta({ users: 30, groups: 3, seed: 5, frozenClock: true });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.clearFaults();
  fake.revokeTokenAfter(null);
  fake.setPermissions({ users: true, groups: true });
  fake.setRateLimits({ users: 600, groups: 500, logs: 60, other: 100, concurrency: 75 });
  fake.setHostile({ echoToken: false });
  fake.setAccessTokenTtl(3600);
  fake.advanceClock(60_000); // a fresh rate-limit window for the next test
});

let serial = 0;
/** A new service app (each test its own), with the RSA and EC keys and the read scopes. */
function newApp(app: Partial<FakeServiceApp> = {}): string {
  const clientId = `0oatest${String(++serial).padStart(13, "0")}`;
  fake.addServiceApp({
    clientId,
    keys: [rsa.jwk, ec.jwk],
    scopes: READ_SCOPES,
    adminRole: true,
    requireDpop: false,
    ...app,
  });
  return clientId;
}

const nowS = () => Math.floor(fake.now() / 1000);
const tokenUrl = () => `${fake.url}${TOKEN_PATH}`;
const ath = (accessToken: string) => createHash("sha256").update(accessToken).digest("base64url");

interface JwtOptions {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: Signer;
}

/** A client assertion as Okta wants it; `claims` and `header` override (undefined removes). */
function assertion(clientId: string, { claims = {}, header = {}, key = rsa }: JwtOptions = {}) {
  const now = nowS();
  return new SignJWT({
    iss: clientId,
    sub: clientId,
    aud: tokenUrl(),
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, ...(key.jwk.kid ? { kid: key.jwk.kid } : {}), ...header })
    .sign(key.privateKey);
}

/** A DPoP proof for a request (`htu` without its query); `claims` and `header` override. */
function proof(
  htm: string,
  htu: string,
  {
    claims = {},
    header = {},
    key = dpopKey,
    accessToken,
    nonce,
  }: JwtOptions & { accessToken?: string; nonce?: string } = {},
) {
  return new SignJWT({
    htm,
    htu,
    iat: nowS(),
    jti: randomUUID(),
    ...(accessToken ? { ath: ath(accessToken) } : {}),
    ...(nonce ? { nonce } : {}),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: "dpop+jwt", jwk: key.jwk, ...header })
    .sign(key.privateKey);
}

async function tokenForm(clientId: string, form: Record<string, string | undefined> = {}) {
  return {
    grant_type: "client_credentials",
    scope: "okta.users.read",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(clientId),
    ...form,
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function postToken(
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
  url = tokenUrl(),
): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) if (value !== undefined) body.append(name, value);
  return answer(
    await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: body.toString(),
    }),
  );
}

const api = (path: string, authorization: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, { headers: { Authorization: authorization, ...headers } });

/** A Management API request with a DPoP-bound token and a fresh proof for it. */
async function withProof(path: string, accessToken: string, options: Parameters<typeof proof>[2] = {}) {
  const htu = `${fake.url}${path.split("?")[0]}`;
  return api(path, `DPoP ${accessToken}`, { DPoP: await proof("GET", htu, { accessToken, ...options }) });
}

async function bearerToken(clientId: string, scope = "okta.users.read"): Promise<string> {
  const response = await postToken(await tokenForm(clientId, { scope }));
  expect(response.status).toBe(200);
  return response.body.access_token as string;
}

/** A DPoP-bound token, after the nonce challenge if the app has one; and the nonce. */
async function dpopToken(clientId: string, scope = "okta.users.read") {
  let response = await postToken(await tokenForm(clientId, { scope }), {
    DPoP: await proof("POST", tokenUrl()),
  });
  let nonce: string | undefined;
  if (response.body.error === "use_dpop_nonce") {
    nonce = response.headers.get("dpop-nonce") ?? "";
    response = await postToken(await tokenForm(clientId, { scope }), {
      DPoP: await proof("POST", tokenUrl(), { nonce }),
    });
  }
  expect(response.body).toMatchObject({ token_type: "DPoP" });
  return { token: response.body.access_token as string, nonce };
}

function expectOAuthError(response: Answer, status: number, error: string, description?: string | RegExp) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(Object.keys(response.body).sort()).toEqual(["error", "error_description"]);
  expect(response.body.error).toBe(error);
  if (typeof description === "string") expect(response.body.error_description).toBe(description);
  if (description instanceof RegExp) expect(response.body.error_description).toMatch(description);
  expect(response.headers.get("cache-control")).toBe("no-store");
}

/** Okta's challenge parameters after the scheme, for `resource` on the fake. */
const challenge = (
  scheme: "Bearer" | "DPoP",
  resource: string,
  scope: string,
  error: string,
  description: string,
) =>
  `${scheme} ${scheme === "DPoP" ? 'algs="RS256 RS384 RS512 ES256 ES384 ES512", ' : ""}authorization_uri="${fake.url}/oauth2/v1/authorize", realm="${fake.url}", scope="${scope}", error="${error}", error_description="${description}", resource="${resource}"`;

describe("the token endpoint: client credentials with a private_key_jwt assertion", () => {
  it("issues a Bearer token the Management API takes, and logs the request without its body", async () => {
    const clientId = newApp();
    const issued = fake.accessTokensIssued;
    fake.clearRequests();
    const form = await tokenForm(clientId, { scope: "okta.users.read okta.groups.read" });
    const response = await postToken(form);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      token_type: "Bearer",
      expires_in: 3600,
      access_token: expect.stringMatching(/^[\w-]{40,}$/),
      scope: "okta.users.read okta.groups.read",
    });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-rate-limit-limit")).toBe("100");
    expect(fake.accessTokensIssued).toBe(issued + 1);
    expect(fake.requests).toEqual([expect.objectContaining({ method: "POST", path: TOKEN_PATH, query: {} })]);
    expect(JSON.stringify(fake.requests)).not.toContain(form.client_assertion.slice(-20));

    const token = response.body.access_token as string;
    const users = await api("/api/v1/users?limit=2", `Bearer ${token}`);
    expect(users.status).toBe(200);
    expect(await users.json()).toHaveLength(2);
    expect((await api("/api/v1/groups", `bearer ${token}`)).status).toBe(200);
    expect((await api("/api/v1/users", `SSWS ${token}`)).status).toBe(401);
  });

  it("verifies the signature with the key the kid names, or with any key when there is no kid", async () => {
    const clientId = newApp();
    const ecSigned = await postToken(
      await tokenForm(clientId, { client_assertion: await assertion(clientId, { key: ec }) }),
    );
    expect(ecSigned.status).toBe(200);
    const noKid = await assertion(clientId, { key: ec, header: { kid: undefined } });
    expect((await postToken(await tokenForm(clientId, { client_assertion: noKid }))).status).toBe(200);
    const ecUnderRsaKid = await assertion(clientId, { key: ec, header: { kid: "rsa-1" } });
    expectOAuthError(
      await postToken(await tokenForm(clientId, { client_assertion: ecUnderRsaKid })),
      401,
      "invalid_client",
      "The client_assertion signature is invalid.",
    );
  });

  it("refuses assertions signed by another key, with an unknown kid, unsigned, or HS256-keyed with the public key", async () => {
    const clientId = newApp();
    const payload = { iss: clientId, sub: clientId, aud: tokenUrl(), exp: nowS() + 300 };
    const publicPem = await exportSPKI((await importJWK(rsa.jwk, "RS256")) as CryptoKey);
    const attacks: [string, string, string][] = [
      [
        "another key under the app's kid",
        await assertion(clientId, { key: stranger }),
        "signature is invalid",
      ],
      [
        "an unknown kid",
        await assertion(clientId, { header: { kid: "rsa-2" } }),
        "does not identify any key",
      ],
      [
        "alg none",
        new UnsecuredJWT({ ...payload, jti: randomUUID() }).encode(),
        "'alg' header isn't supported",
      ],
      ...(await Promise.all(
        [JSON.stringify(rsa.jwk), rsa.jwk.n ?? "", publicPem].map(
          async (secret, i): Promise<[string, string, string]> => [
            `HS256 keyed with the public key (${i})`,
            await new SignJWT({ ...payload, jti: randomUUID() })
              .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
              .sign(new TextEncoder().encode(secret)),
            "'alg' header isn't supported",
          ],
        ),
      )),
    ];
    for (const [attack, forged, description] of attacks) {
      const response = await postToken(await tokenForm(clientId, { client_assertion: forged }));
      expect(response.status, attack).toBe(401);
      expect(response.body.error, attack).toBe("invalid_client");
      expect(response.body.error_description, attack).toContain(description);
    }
    expect((await postToken(await tokenForm(clientId))).status).toBe(200);
  });

  it("checks the claims: iss = sub = a registered client, the exact audience, exp within the hour, iat, jti", async () => {
    const clientId = newApp();
    const now = nowS();
    const cases: [string, JwtOptions, string | RegExp][] = [
      ["an unknown client", { claims: { iss: "0oanobody", sub: "0oanobody" } }, /client_id/],
      ["iss and sub differ", { claims: { sub: "0oaother" } }, /'iss' and 'sub'/],
      [
        "a custom authorization server's audience",
        { claims: { aud: `${fake.url}/oauth2/default/v1/token` } },
        "The audience claim for client_assertion must be the endpoint invoked for the request.",
      ],
      [
        "the audience in a list",
        { claims: { aud: [tokenUrl()] } },
        "The audience claim for client_assertion must be the endpoint invoked for the request.",
      ],
      ["an expired assertion", { claims: { exp: now - 1 } }, "The client_assertion token is expired."],
      ["no exp", { claims: { exp: undefined } }, "The client_assertion token must have a 'exp' claim."],
      [
        "exp more than an hour ahead",
        { claims: { exp: now + 3601 } },
        "The client_assertion token has an expiration too far into the future.",
      ],
      [
        "exp more than an hour after iat",
        { claims: { iat: now - 600, exp: now + 3100 } },
        "The client_assertion token has an expiration too far into the future.",
      ],
      [
        "iat in the future",
        { claims: { iat: now + 120 } },
        "The client_assertion token was issued in the future.",
      ],
      ["no jti", { claims: { jti: undefined } }, "The client_assertion token must have a 'jti' claim."],
      ["a numeric jti", { claims: { jti: 7 } }, "The client_assertion token must have a 'jti' claim."],
    ];
    for (const [name, options, description] of cases) {
      const response = await postToken(
        await tokenForm(clientId, { client_assertion: await assertion(clientId, options) }),
      );
      expect(response.status, name).toBe(401);
      expect(response.body.error, name).toBe("invalid_client");
      if (typeof description === "string") expect(response.body.error_description, name).toBe(description);
      else expect(response.body.error_description, name).toMatch(description);
    }
    const mismatch = await postToken(await tokenForm(clientId, { client_id: "0oaother" }));
    expectOAuthError(mismatch, 401, "invalid_client", /client_id/);
    expect((await postToken(await tokenForm(clientId, { client_id: clientId }))).status).toBe(200);
  });

  it("takes an assertion once: a replay fails, and of 5 concurrent copies exactly one gets a token", async () => {
    const clientId = newApp();
    const form = await tokenForm(clientId);
    expect((await postToken(form)).status).toBe(200);
    expectOAuthError(
      await postToken(form),
      401,
      "invalid_client",
      "The client_assertion token has already been used.",
    );

    const copies = await tokenForm(clientId);
    const issued = fake.accessTokensIssued;
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => postToken(copies)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
    expect(fake.accessTokensIssued).toBe(issued + 1);
  });

  it("answers malformed requests in OAuth's format, and logs no query of a token request", async () => {
    const clientId = newApp();
    const asJson = await answer(
      await fetch(tokenUrl(), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(await tokenForm(clientId)),
      }),
    );
    expectOAuthError(asJson, 400, "invalid_request", /x-www-form-urlencoded/);

    fake.clearRequests();
    const inUrl = new URLSearchParams(await tokenForm(clientId));
    expectOAuthError(
      await postToken(await tokenForm(clientId), {}, `${tokenUrl()}?${inUrl}`),
      400,
      "invalid_request",
    );
    expect(fake.requests).toEqual([expect.objectContaining({ path: TOKEN_PATH, query: {} })]);
    expect(JSON.stringify(fake.requests)).not.toContain(inUrl.get("client_assertion")?.slice(-20));

    const cases: [string, Record<string, string | undefined>, Record<string, string>, number, string][] = [
      ["a password grant", { grant_type: "password" }, {}, 400, "unsupported_grant_type"],
      ["no grant type", { grant_type: undefined }, {}, 400, "invalid_request"],
      ["another assertion type", { client_assertion_type: "urn:x" }, {}, 400, "invalid_request"],
      ["no assertion", { client_assertion: undefined, client_id: clientId }, {}, 401, "invalid_client"],
      ["a client secret too", { client_secret: "s3cret" }, {}, 400, "invalid_request"],
      [
        "Basic credentials too",
        {},
        { Authorization: `Basic ${btoa(`${clientId}:x`)}` },
        400,
        "invalid_request",
      ],
    ];
    for (const [name, form, headers, status, error] of cases) {
      const response = await postToken(await tokenForm(clientId, form), headers);
      expect(response.status, name).toBe(status);
      expect(response.body.error, name).toBe(error);
    }
    const twice = `${new URLSearchParams(await tokenForm(clientId))}&scope=okta.logs.read`;
    const repeated = await fetch(tokenUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: twice,
    });
    expectOAuthError(
      await answer(repeated),
      400,
      "invalid_request",
      "The 'scope' parameter was included more than once.",
    );
    const get = await fetch(tokenUrl());
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("grants only the app's scopes, all or nothing", async () => {
    const clientId = newApp({ scopes: ["okta.users.read", "okta.groups.read"] });
    const issued = fake.accessTokensIssued;
    expectOAuthError(
      await postToken(await tokenForm(clientId, { scope: undefined })),
      400,
      "invalid_scope",
      "No scopes were requested.",
    );
    expectOAuthError(
      await postToken(await tokenForm(clientId, { scope: "okta.users.read okta.apps.read" })),
      400,
      "invalid_scope",
      "One or more scopes are not configured for the authorization server resource.",
    );
    expectOAuthError(
      await postToken(await tokenForm(clientId, { scope: "okta.users.read okta.logs.read" })),
      400,
      "invalid_scope",
      "The following scopes are not allowed for this request: [okta.logs.read].",
    );
    expect(fake.accessTokensIssued).toBe(issued);
    fake.updateServiceApp(clientId, { scopes: READ_SCOPES });
    const granted = await postToken(await tokenForm(clientId, { scope: "okta.logs.read  okta.users.read" }));
    expect(granted.body.scope).toBe("okta.logs.read okta.users.read");
    expect(() => fake.updateServiceApp(clientId, { scopes: ["okta.everything"] })).toThrow(/Unknown scopes/);
  });
});

describe("DPoP (RFC 9449)", () => {
  it("binds the token to the proof's key after the nonce challenge, and the API wants a fresh proof each request", async () => {
    const clientId = newApp({ requireDpop: true, dpopNonce: true, resourceDpopNonce: true });
    const form = await tokenForm(clientId);
    const challenged = await postToken(form, { DPoP: await proof("POST", tokenUrl()) });
    expectOAuthError(challenged, 400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.");
    const nonce = challenged.headers.get("dpop-nonce") ?? "";
    expect(nonce).toMatch(/^[\w-]{20,}$/);
    // Okta uses the assertion up even when it answers use_dpop_nonce: a retry needs a new one.
    expectOAuthError(
      await postToken(form, { DPoP: await proof("POST", tokenUrl(), { nonce }) }),
      401,
      "invalid_client",
      "The client_assertion token has already been used.",
    );
    const granted = await postToken(await tokenForm(clientId), {
      DPoP: await proof("POST", tokenUrl(), { nonce }),
    });
    expect(granted.body).toMatchObject({ token_type: "DPoP", scope: "okta.users.read" });
    const token = granted.body.access_token as string;

    const noNonce = await withProof("/api/v1/users", token);
    expect(noNonce.status).toBe(401);
    expect(noNonce.headers.get("www-authenticate")).toBe(
      challenge(
        "DPoP",
        "/api/v1/users",
        "okta.users.read",
        "use_dpop_nonce",
        "Resource server requires nonce in DPoP proof.",
      ),
    );
    const apiNonce = noNonce.headers.get("dpop-nonce") ?? "";
    expect(apiNonce).toBe(nonce);
    const users = await withProof("/api/v1/users?limit=3", token, { nonce });
    expect(users.status).toBe(200);
    // As Okta's resource server today: without resourceDpopNonce, a proof needs no nonce there.
    fake.updateServiceApp(clientId, { resourceDpopNonce: false });
    expect((await withProof("/api/v1/users?limit=1", token)).status).toBe(200);
    fake.updateServiceApp(clientId, { resourceDpopNonce: true });
    expect(await users.json()).toHaveLength(3);
    expect((await withProof("/api/v1/users?limit=3", token, { nonce })).status).toBe(200);
  });

  it("requires a proof when the app does, and binds the token to a proof sent anyway", async () => {
    const strict = newApp({ requireDpop: true });
    expectOAuthError(
      await postToken(await tokenForm(strict)),
      400,
      "invalid_dpop_proof",
      "The DPoP proof JWT header is missing.",
    );
    const lenient = newApp();
    const { token } = await dpopToken(lenient);
    expect((await withProof("/api/v1/users", token)).status).toBe(200);
    expect((await api("/api/v1/users", `Bearer ${token}`)).status).toBe(400);
  });

  it("refuses invalid proofs at the token endpoint, each for its reason", async () => {
    const clientId = newApp({ requireDpop: true });
    const url = tokenUrl();
    const privateJwk = await exportJWK(dpopKey.privateKey);
    const first = await proof("POST", url);
    expect((await postToken(await tokenForm(clientId), { DPoP: first })).status).toBe(200);
    const cases: [string, string, string][] = [
      ["a replayed proof", first, "The DPoP proof JWT has already been used."],
      [
        "the resource's htu",
        await proof("POST", `${fake.url}/api/v1/users`),
        "'htu' claim in the DPoP proof JWT is invalid.",
      ],
      [
        "an htu with a query",
        await proof("POST", `${url}?x=1`),
        "'htu' claim in the DPoP proof JWT is invalid.",
      ],
      ["htm GET", await proof("GET", url), "'htm' claim in the DPoP proof JWT is invalid."],
      [
        "an old iat",
        await proof("POST", url, { claims: { iat: nowS() - 61 } }),
        "The DPoP proof JWT is issued more than 60 seconds in the past.",
      ],
      [
        "a future iat",
        await proof("POST", url, { claims: { iat: nowS() + 61 } }),
        "'iat' claim in the DPoP proof JWT is in the future.",
      ],
      [
        "no jti",
        await proof("POST", url, { claims: { jti: undefined } }),
        "'jti' claim in the DPoP proof JWT is missing.",
      ],
      [
        "a private key in the header",
        await proof("POST", url, { header: { jwk: privateJwk } }),
        "'jwk' header in the DPoP proof JWT must not contain a private key.",
      ],
      [
        "another key's signature",
        await proof("POST", url, { header: { jwk: ec.jwk } }),
        "The DPoP proof JWT signature is invalid.",
      ],
      [
        "typ JWT",
        await proof("POST", url, { header: { typ: "JWT" } }),
        "'typ' header in the DPoP proof JWT is invalid.",
      ],
      [
        "no jwk",
        await proof("POST", url, { header: { jwk: undefined } }),
        "'jwk' header in the DPoP proof JWT is missing.",
      ],
      ["not a JWT", "not-a-jwt", "DPoP proof JWT cannot be parsed."],
    ];
    for (const [name, dpop, description] of cases) {
      const response = await postToken(await tokenForm(clientId), { DPoP: dpop });
      expect(response.status, name).toBe(400);
      expect(response.body, name).toEqual({ error: "invalid_dpop_proof", error_description: description });
    }
    const two = new Headers({ "Content-Type": "application/x-www-form-urlencoded" });
    two.append("DPoP", await proof("POST", url));
    two.append("DPoP", await proof("POST", url));
    const doubled = await fetch(url, {
      method: "POST",
      headers: two,
      body: new URLSearchParams(await tokenForm(clientId)).toString(),
    });
    expect(doubled.status).toBe(400);
    expect(((await doubled.json()) as { error: string }).error).toBe("invalid_dpop_proof");
  });

  it("refuses a DPoP-bound token at the API without a valid proof, as Okta does (400 and a challenge)", async () => {
    const clientId = newApp();
    const { token } = await dpopToken(clientId);
    const users = `${fake.url}/api/v1/users`;
    const refused = async (
      response: Response,
      scheme: "Bearer" | "DPoP",
      error: string,
      description: string,
    ) => {
      expect(response.status, description).toBe(400);
      expect(await response.json()).toMatchObject({ errorCode: "E0000011" });
      expect(response.headers.get("www-authenticate")).toBe(
        challenge(scheme, "/api/v1/users", "okta.users.read", error, description),
      );
    };
    const requiresProof = "The resource request requires a DPoP proof.";
    await refused(await api("/api/v1/users", `Bearer ${token}`), "Bearer", "invalid_request", requiresProof);
    await refused(await api("/api/v1/users", `DPoP ${token}`), "DPoP", "invalid_request", requiresProof);
    const cases: [string, Promise<string>, string][] = [
      [
        "htm POST",
        proof("POST", users, { accessToken: token }),
        "'htm' claim in the DPoP proof JWT is invalid.",
      ],
      [
        "another path",
        proof("GET", `${fake.url}/api/v1/groups`, { accessToken: token }),
        "'htu' claim in the DPoP proof JWT is invalid.",
      ],
      ["no ath", proof("GET", users), "'ath' claim in the DPoP proof JWT is invalid."],
      [
        "another token's ath",
        proof("GET", users, { accessToken: `${token}x` }),
        "'ath' claim in the DPoP proof JWT is invalid.",
      ],
      [
        "another key",
        proof("GET", users, { accessToken: token, key: ec }),
        "The DPoP proof JWT key doesn't match the access token's key.",
      ],
      [
        "an old proof",
        proof("GET", users, { accessToken: token, claims: { iat: nowS() - 120 } }),
        "The DPoP proof JWT is issued more than 60 seconds in the past.",
      ],
    ];
    for (const [, dpop, description] of cases) {
      await refused(
        await api("/api/v1/users", `DPoP ${token}`, { DPoP: await dpop }),
        "DPoP",
        "invalid_dpop_proof",
        description,
      );
    }
    const once = await proof("GET", users, { accessToken: token });
    expect((await api("/api/v1/users", `DPoP ${token}`, { DPoP: once })).status).toBe(200);
    await refused(
      await api("/api/v1/users", `DPoP ${token}`, { DPoP: once }),
      "DPoP",
      "invalid_dpop_proof",
      "The DPoP proof JWT has already been used.",
    );

    // A proof refused by a rate limit is used up all the same: a retry must sign a new one.
    const limited = await proof("GET", users, { accessToken: token });
    fake.setRateLimits({ users: 0 });
    expect((await api("/api/v1/users", `DPoP ${token}`, { DPoP: limited })).status).toBe(429);
    fake.setRateLimits({ users: 600 });
    await refused(
      await api("/api/v1/users", `DPoP ${token}`, { DPoP: limited }),
      "DPoP",
      "invalid_dpop_proof",
      "The DPoP proof JWT has already been used.",
    );
    expect((await withProof("/api/v1/users", token)).status).toBe(200);
  });

  it("refuses a Bearer token presented under the DPoP scheme", async () => {
    const token = await bearerToken(newApp());
    const response = await withProof("/api/v1/users", token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      challenge(
        "DPoP",
        "/api/v1/users",
        "okta.users.read",
        "invalid_token",
        "The access token isn't bound to a DPoP key.",
      ),
    );
  });

  it("renews its nonce daily and on command, accepting the one before, not older", async () => {
    const clientId = newApp({ requireDpop: true, dpopNonce: true });
    const { nonce } = await dpopToken(clientId);
    const request = async (n?: string) =>
      postToken(await tokenForm(clientId), { DPoP: await proof("POST", tokenUrl(), { nonce: n }) });
    fake.rotateDpopNonce();
    expect((await request(nonce)).status).toBe(200);
    const renewed = fake.rotateDpopNonce();
    const stale = await request(nonce);
    expectOAuthError(stale, 400, "use_dpop_nonce");
    expect(stale.headers.get("dpop-nonce")).toBe(renewed);
    fake.advanceClock(DPOP_NONCE_ROTATION_MS);
    expect((await request(renewed)).status).toBe(200);
    fake.advanceClock(DPOP_NONCE_ROTATION_MS);
    const aged = await request(renewed);
    expectOAuthError(aged, 400, "use_dpop_nonce");
    expect(aged.headers.get("dpop-nonce")).not.toBe(renewed);
  });
});

describe("access tokens at the Management API", () => {
  it("expire on the fake's clock, after the TTL the token said", async () => {
    const clientId = newApp();
    fake.setAccessTokenTtl(120);
    const response = await postToken(await tokenForm(clientId));
    expect(response.body.expires_in).toBe(120);
    const token = response.body.access_token as string;
    fake.advanceClock(119_000);
    expect((await api("/api/v1/users", `Bearer ${token}`)).status).toBe(200);
    fake.advanceClock(1000);
    const expired = await api("/api/v1/users", `Bearer ${token}`);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({
      errorCode: "E0000011",
      errorSummary: "Invalid token provided",
    });
    expect(expired.headers.get("www-authenticate")).toBe(
      challenge(
        "Bearer",
        "/api/v1/users",
        "okta.users.read",
        "invalid_token",
        "The access token is invalid.",
      ),
    );
    expect((await api("/api/v1/users", "Bearer not-a-token")).status).toBe(401);
  });

  it("need the endpoint's scope: 403 with Okta's insufficient_scope challenge", async () => {
    const clientId = newApp({ scopes: ["okta.users.manage", "okta.groups.read"] });
    const token = await bearerToken(clientId, "okta.users.manage");
    expect((await api("/api/v1/users", `Bearer ${token}`)).status).toBe(200);
    const group = fake.directory.groups[1]?.id;
    for (const [path, scope] of [
      ["/api/v1/logs", "okta.logs.read"],
      ["/api/v1/groups", "okta.groups.read"],
      [`/api/v1/groups/${group}/users`, "okta.groups.read"],
    ] as const) {
      const response = await api(path, `Bearer ${token}`);
      expect(response.status, path).toBe(403);
      expect(await response.json()).toMatchObject({
        errorCode: "E0000006",
        errorSummary: "You do not have permission to perform the requested action",
      });
      expect(response.headers.get("www-authenticate")).toBe(
        challenge(
          "Bearer",
          path,
          scope,
          "insufficient_scope",
          "The access token provided does not contain the required scopes.",
        ),
      );
    }
    const { token: bound } = await dpopToken(clientId, "okta.groups.read");
    const logs = await withProof("/api/v1/logs", bound);
    expect(logs.status).toBe(403);
    expect(logs.headers.get("www-authenticate")).toMatch(/^DPoP algs=.*error="insufficient_scope"/);
  });

  it("answer an app without an admin role 403 E0000006, without insufficient_scope", async () => {
    const clientId = newApp({ adminRole: false });
    const token = await bearerToken(clientId);
    const refused = await api("/api/v1/users", `Bearer ${token}`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ errorCode: "E0000006" });
    expect(refused.headers.get("www-authenticate")).toBeNull();
    fake.updateServiceApp(clientId, { adminRole: true });
    expect((await api("/api/v1/users", `Bearer ${token}`)).status).toBe(200);
  });

  it("keep the fake's revocation, permissions, logsForbidden, faults and rate limits", async () => {
    const clientId = newApp();
    const token = await bearerToken(clientId, "okta.users.read okta.groups.read okta.logs.read");
    fake.setPermissions({ groups: false });
    expect((await api("/api/v1/groups", `Bearer ${token}`)).status).toBe(403);
    fake.setHostile({ logsForbidden: true });
    expect((await api("/api/v1/logs", `Bearer ${token}`)).status).toBe(403);
    fake.revokeTokenAfter(1);
    expect((await api("/api/v1/users", `Bearer ${token}`)).status).toBe(200);
    const revoked = await api("/api/v1/users", `Bearer ${token}`);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get("www-authenticate")).toContain('error="invalid_token"');
    fake.revokeTokenAfter(null);

    fake.injectFault({ fault: { kind: "status", status: 503 }, path: TOKEN_PATH });
    const form = await tokenForm(clientId);
    const failed = await postToken(form);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ errorCode: "E0000009" });
    // Okta may have taken the assertion before failing: a retry must sign a new one.
    expectOAuthError(
      await postToken(form),
      401,
      "invalid_client",
      "The client_assertion token has already been used.",
    );

    fake.advanceClock(60_000);
    fake.setRateLimits({ other: 1 });
    const last = await postToken(await tokenForm(clientId));
    expect(last.status).toBe(200);
    expect(last.headers.get("x-rate-limit-remaining")).toBe("0");
    const limited = await postToken(await tokenForm(clientId));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errorCode: "E0000047" });
  });
});

describe("hostile mode", () => {
  const forms = (secret: string) => [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
  ];

  it("echoes the access token in every form, in the body, the challenge and Location", async () => {
    const clientId = newApp({ scopes: ["okta.users.read"] });
    const token = await bearerToken(clientId);
    fake.setHostile({ echoToken: true });
    const response = await api("/api/v1/logs", `Bearer ${token}`);
    expect(response.status).toBe(403);
    const body = (await response.json()) as Record<string, unknown>;
    for (const field of ["errorCode", "errorSummary", "errorId"]) {
      for (const form of forms(token)) expect(body[field]).toContain(form);
    }
    expect(JSON.stringify(body.errorCauses)).toContain(`Bearer ${token}`);
    expect(response.headers.get("www-authenticate")).toContain(token);
    expect(response.headers.get("location")).toContain(encodeURIComponent(token));
  });

  it("echoes the client assertion and the DPoP proof of a refused token request, also in error_description", async () => {
    const clientId = newApp({ requireDpop: true });
    const bigProofKey = await signer("RS256", undefined, 4096);
    const form = await tokenForm(clientId, { scope: "okta.apps.read" });
    const dpop = await proof("POST", tokenUrl(), { key: bigProofKey });
    fake.setHostile({ echoToken: true });
    const response = await postToken(form, { DPoP: dpop });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("invalid_scope");
    for (const secret of [form.client_assertion, dpop]) {
      for (const shown of forms(secret)) {
        expect(response.body.error_description).toContain(shown);
        expect(response.body.errorSummary).toContain(shown);
      }
      expect(response.headers.get("www-authenticate")).toContain(secret);
    }
    expect(response.headers.get("x-echo")).toContain(
      Buffer.from(form.client_assertion).toString("base64url"),
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});

describe("registering keys: POST /api/v1/apps/{appId}/credentials/jwks", () => {
  const register = (appId: string, body: unknown, authorization = `SSWS ${fake.token}`, method = "POST") =>
    fetch(`${fake.url}/api/v1/apps/${appId}/credentials/jwks`, {
      method,
      headers: { Authorization: authorization, "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }).then(answer);

  it("registers a public key as an admin does in Okta, and the app authenticates with it", async () => {
    const clientId = newApp({ keys: [] });
    expectOAuthError(await postToken(await tokenForm(clientId)), 401, "invalid_client", /no public keys/);
    const { kid: _, ...withoutKid } = rsa.jwk;
    const registered = await register(clientId, withoutKid);
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({
      id: expect.stringMatching(/^pks\w{17}$/),
      kid: expect.stringMatching(/^[\w-]{43}$/),
      kty: "RSA",
      use: "sig",
      e: rsa.jwk.e,
      n: rsa.jwk.n,
      status: "ACTIVE",
      created: new Date(fake.now()).toISOString(),
      lastUpdated: new Date(fake.now()).toISOString(),
      _links: {
        deactivate: {
          href: `${fake.url}/api/v1/apps/${clientId}/credentials/jwks/${registered.body.id}/lifecycle/deactivate`,
          hints: { allow: ["POST"] },
        },
      },
    });
    const kid = registered.body.kid as string;
    const signed = await assertion(clientId, { header: { kid } });
    expect((await postToken(await tokenForm(clientId, { client_assertion: signed }))).status).toBe(200);
    expect((await register(clientId, ec.jwk)).body).toMatchObject({ kid: "ec-1", kty: "EC", crv: "P-256" });

    const admin = (command: string, ...args: unknown[]) =>
      fetch(`${fake.url}/__admin/${command}`, { method: "POST", body: JSON.stringify(args) });
    expect((await admin("removeServiceAppKey", clientId, kid)).status).toBe(200);
    const unknownKid = await assertion(clientId, { header: { kid } });
    expectOAuthError(
      await postToken(await tokenForm(clientId, { client_assertion: unknownKid })),
      401,
      "invalid_client",
      "The client_assertion token has a kid which does not identify any key.",
    );
    const readded = (await (await admin("addServiceAppKey", clientId, rsa.jwk)).json()) as {
      result: RegisteredKey;
    };
    expect(readded.result).toMatchObject({ kid: "rsa-1", status: "ACTIVE" });
  });

  it("refuses private, symmetric, small and duplicate keys, unknown apps and other callers", async () => {
    const clientId = newApp({ keys: [rsa.jwk] });
    const privateJwk = { ...(await exportJWK(rsa.privateKey)), kid: "leak" };
    // jose makes no key under 2048 bits: Node does.
    const small = {
      ...generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" }),
      kid: "small",
    };
    const validation: [string, unknown, RegExp][] = [
      ["a private key", privateJwk, /private key members \(d, p, q, dp, dq, qi\)/],
      ["a symmetric key", { kty: "oct", k: "c2VjcmV0" }, /private key members \(k\)/],
      [
        "an OKP key",
        { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" },
        /RSA and EC/,
      ],
      ["a 1024-bit key", small, /less than '2,048' bits/],
      ["a duplicate kid", rsa.jwk, /unique `kid`/],
      ["an encryption key", { ...ec.jwk, kid: "enc", use: "enc" }, /'use' must be 'sig'/],
      ["a mismatched alg", { ...ec.jwk, kid: "alg", alg: "RS256" }, /doesn't fit/],
      ["a list", [rsa.jwk], /JSON object/],
    ];
    for (const [name, jwk, cause] of validation) {
      const response = await register(clientId, jwk);
      expect(response.status, name).toBe(400);
      expect(response.body, name).toMatchObject({
        errorCode: "E0000001",
        errorSummary: "Api validation failed: JsonWebKey",
        errorCauses: [{ errorSummary: expect.stringMatching(cause) }],
      });
      expect(JSON.stringify(response.body), name).not.toContain(privateJwk.d);
    }
    expect((await register(clientId, "{not json")).body).toMatchObject({ errorCode: "E0000003" });
    expect(await register("0oanobody", ec.jwk)).toMatchObject({
      status: 404,
      body: { errorCode: "E0000007" },
    });
    expect(await register(clientId, ec.jwk, "")).toMatchObject({
      status: 401,
      body: { errorCode: "E0000011" },
    });
    expect((await register(clientId, ec.jwk, "SSWS wrong")).status).toBe(401);
    const token = await bearerToken(clientId);
    const asApp = await register(clientId, ec.jwk, `Bearer ${token}`);
    expect(asApp.status).toBe(403);
    expect(asApp.headers.get("www-authenticate")).toContain(
      'scope="okta.apps.manage", error="insufficient_scope"',
    );
    expect((await register(clientId, ec.jwk, `SSWS ${fake.token}`, "PUT")).status).toBe(405);
    expect(fake.oauth.serviceApp(clientId).keys.map((key) => key.kid)).toEqual(["rsa-1"]);
  });
});
