import { generateKeyPairSync } from "node:crypto";
import { importPKCS8, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGoogle,
  GROUP_SCOPE,
  startFakeGoogle,
  TOKEN_AUDIENCE,
  USER_SCOPE,
} from "@/scripts/fake-google";
import { generateDirectory } from "./generate";

let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle({ users: 40, groups: 5, seed: 2 });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.clearRequests();
  fake.setHostile({ echoSecrets: false });
  fake.setQuota({ perMinute: 2400, status: 403, retryAfterS: null });
});

const demo = () =>
  JSON.parse(fake.demoKey) as { client_email: string; private_key: string; private_key_id: string };

/** A JWT bearer assertion, correct unless `over` says otherwise. */
async function assertion(
  over: { claims?: Record<string, unknown>; kid?: string; pem?: string; alg?: string } = {},
) {
  const { client_email, private_key, private_key_id } = demo();
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: client_email,
    sub: fake.adminEmail,
    scope: `${USER_SCOPE} ${GROUP_SCOPE}`,
    aud: TOKEN_AUDIENCE,
    iat: now,
    exp: now + 3600,
    ...over.claims,
  };
  const key = await importPKCS8(over.pem ?? private_key, "RS256");
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: over.kid ?? private_key_id }).sign(key);
}

async function tokenRequest(form: Record<string, string>, contentType = "application/x-www-form-urlencoded") {
  const response = await fetch(`${fake.url}/token`, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const grant = async (over?: Parameters<typeof assertion>[0]) =>
  tokenRequest({
    grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    assertion: await assertion(over),
  });

async function accessToken(): Promise<string> {
  const { body } = await grant();
  return String(body.access_token);
}

const api = async (path: string, token?: string) => {
  const response = await fetch(
    `${fake.url}${path}`,
    token ? { headers: { Authorization: `Bearer ${token}` } } : {},
  );
  return {
    status: response.status,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: the tests read deep into Google's JSON
    body: (await response.json()) as Record<string, any>,
  };
};

describe("the token endpoint", () => {
  it("grants an hour's Bearer token for a correct assertion", async () => {
    const { status, body } = await grant();
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
    expect(String(body.access_token)).toMatch(/^ya29\./);
  });

  it("refuses each flaw as Google does", async () => {
    const { client_email } = demo();
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ format: "pem", type: "pkcs8" })
      .toString();
    const now = Math.floor(Date.now() / 1000);
    const cases: [Parameters<typeof assertion>[0], number, string, RegExp][] = [
      [{ pem: other }, 400, "invalid_grant", /^Invalid JWT Signature\.$/],
      [{ kid: "0".repeat(40) }, 400, "invalid_grant", /^Invalid JWT Signature\.$/],
      [{ claims: { aud: `${fake.url}/token` } }, 400, "invalid_grant", /Failed audience check/],
      [{ claims: { iat: now, exp: now + 3601 } }, 400, "invalid_grant", /short-lived token/],
      [{ claims: { iat: now - 4000, exp: now - 400 } }, 400, "invalid_grant", /short-lived token/],
      [{ claims: { iat: now + 900, exp: now + 1000 } }, 400, "invalid_grant", /short-lived token/],
      [
        { claims: { iss: "nobody@fake-project.iam.gserviceaccount.com" } },
        400,
        "invalid_grant",
        /account not found/,
      ],
      [{ claims: { sub: "ghost@example.com" } }, 400, "invalid_grant", /^Invalid email or User ID$/],
      [
        { claims: { scope: `${USER_SCOPE} https://www.googleapis.com/auth/admin.directory.user` } },
        401,
        "unauthorized_client",
        /not authorized for any of the scopes/,
      ],
      [{ claims: { scope: "" } }, 400, "invalid_scope", /Invalid OAuth scope/],
    ];
    for (const [over, status, error, description] of cases) {
      const answer = await grant(over);
      expect(answer.status, JSON.stringify(over)).toBe(status);
      expect(answer.body.error).toBe(error);
      expect(String(answer.body.error_description)).toMatch(description);
    }
    expect(client_email).toMatch(/gserviceaccount\.com$/);
    expect(
      (await tokenRequest({ grant_type: "client_credentials", assertion: await assertion() })).body.error,
    ).toBe("unsupported_grant_type");
    expect(
      (await tokenRequest({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer" })).body.error,
    ).toBe("invalid_request");
    expect((await grant()).status).toBe(200);
  });

  it("refuses a deleted key and a revoked delegation", async () => {
    const file = JSON.parse(fake.oauth.createServiceAccount()) as {
      private_key: string;
      private_key_id: string;
      client_email: string;
      client_id: string;
    };
    const over = { pem: file.private_key, kid: file.private_key_id, claims: { iss: file.client_email } };
    expect((await grant(over)).status).toBe(200);
    fake.oauth.revokeDelegation(file.client_id);
    expect((await grant(over)).body.error).toBe("unauthorized_client");
    fake.oauth.grantDelegation(file.client_id, [USER_SCOPE, GROUP_SCOPE]);
    fake.oauth.deleteKey(file.private_key_id);
    expect((await grant(over)).body.error_description).toBe("Invalid JWT Signature.");
  });
});

describe("the Directory API", () => {
  it("answers 401 in Google's format without a live token", async () => {
    for (const token of [undefined, "ya29.forged"]) {
      const { status, headers, body } = await api("/admin/directory/v1/users?customer=my_customer", token);
      expect(status).toBe(401);
      expect(headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
      expect(body.error).toMatchObject({
        code: 401,
        status: "UNAUTHENTICATED",
        errors: [{ reason: "authError", domain: "global" }],
      });
    }
  });

  it("pages by pageToken with maxResults capped (users refused above 500), and refuses a forged page token", async () => {
    const token = await accessToken();
    const first = await api("/admin/directory/v1/users?customer=my_customer&maxResults=15", token);
    expect(first.body.users).toHaveLength(15);
    const second = await api(
      `/admin/directory/v1/users?customer=my_customer&maxResults=15&pageToken=${first.body.nextPageToken}`,
      token,
    );
    expect(second.body.users[0].primaryEmail > first.body.users[14].primaryEmail).toBe(true);
    const last = await api(`/admin/directory/v1/users?customer=my_customer&maxResults=500`, token);
    expect(last.body.users).toHaveLength(40);
    expect(last.body.nextPageToken).toBeUndefined();
    expect(
      (await api("/admin/directory/v1/users?customer=my_customer&maxResults=501", token)).body.error.errors[0]
        .reason,
    ).toBe("invalid");
    expect((await api("/admin/directory/v1/groups?customer=my_customer&maxResults=999", token)).status).toBe(
      200,
    );
    const forged = await api("/admin/directory/v1/users?customer=my_customer&pageToken=AAAA", token);
    expect(forged.status).toBe(400);
    const groupsToken = (await api("/admin/directory/v1/groups?customer=my_customer&maxResults=1", token))
      .body.nextPageToken;
    expect(
      (await api(`/admin/directory/v1/users?customer=my_customer&pageToken=${groupsToken}`, token)).status,
    ).toBe(400);
  });

  it("answers a bad customer 400, another's 404, an unknown group 404, a non-admin 403", async () => {
    const token = await accessToken();
    expect((await api("/admin/directory/v1/users?customer=acme", token)).body.error).toMatchObject({
      code: 400,
      errors: [{ reason: "badRequest" }],
    });
    expect((await api("/admin/directory/v1/users?customer=C0other99", token)).status).toBe(404);
    expect((await api("/admin/directory/v1/groups/0nosuch/members", token)).body.error).toMatchObject({
      code: 404,
      errors: [{ reason: "notFound" }],
    });
    const user = fake.directory.users.find((u) => !u.isAdmin) ?? fake.directory.users[1];
    const { client_email, private_key_id } = demo();
    const { body } = await grant({
      claims: { sub: user?.primaryEmail, iss: client_email },
      kid: private_key_id,
    });
    const refused = await api("/admin/directory/v1/users?customer=my_customer", String(body.access_token));
    expect(refused.body.error).toMatchObject({
      code: 403,
      message: "Not Authorized to access this resource/api",
      errors: [{ reason: "forbidden" }],
    });
  });

  it("counts a minute's quota and answers Google's 403 rateLimitExceeded, or 429 with a Retry-After", async () => {
    const token = await accessToken();
    fake.advanceClock(60_000);
    fake.setQuota({ perMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(await api("/admin/directory/v1/groups?customer=my_customer", token));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 403]);
    expect(statuses[2]?.body.error).toMatchObject({
      code: 403,
      status: "PERMISSION_DENIED",
      errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }],
    });
    fake.setQuota({ status: 429, retryAfterS: 17 });
    const limited = await api("/admin/directory/v1/groups?customer=my_customer", token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("17");
    expect(limited.body.error.status).toBe("RESOURCE_EXHAUSTED");
    fake.advanceClock(60_000);
    expect((await api("/admin/directory/v1/groups?customer=my_customer", token)).status).toBe(200);
  });

  it("flattens nested groups with includeDerivedMembership, lists direct members without", async () => {
    const token = await accessToken();
    const nested = fake.directory.groups.find((g) => [...g.members.values()].some((m) => m.type === "GROUP"));
    if (!nested) throw new Error("no nested group generated");
    const direct = await api(`/admin/directory/v1/groups/${nested.id}/members?maxResults=200`, token);
    const derived = await api(
      `/admin/directory/v1/groups/${nested.email}/members?maxResults=200&includeDerivedMembership=true`,
      token,
    );
    expect(direct.body.members.length).toBe(nested.members.size);
    expect(derived.body.members.length).toBeGreaterThan(direct.body.members.length);
  });

  it("keeps a log of requests without headers or bodies, and an admin API over HTTP", async () => {
    const token = await accessToken();
    const admin = async (command: string, args: unknown[]) =>
      (await fetch(`${fake.url}/__admin/${command}`, { method: "POST", body: JSON.stringify(args) })).json();
    const { result: user } = await admin("createUser", [
      { primaryEmail: "zz.new@example.com", givenName: "Zed", familyName: "New" },
    ]);
    const { result: group } = await admin("createGroup", ["zz-team@example.com", "ZZ team"]);
    await admin("addMember", [group.id, user.id]);
    await admin("updateUser", [user.id, { suspended: true }]);
    const members = await api(`/admin/directory/v1/groups/${group.id}/members`, token);
    expect(members.body.members).toMatchObject([{ id: user.id, type: "USER", status: "SUSPENDED" }]);
    expect(await admin("addMember", [group.id, group.id])).toEqual({
      error: "Cyclic memberships not allowed.",
    });
    await admin("deleteGroup", [group.id]);
    expect((await api(`/admin/directory/v1/groups/${group.id}/members`, token)).status).toBe(404);
    const log = (await (await fetch(`${fake.url}/__admin/requests`)).json()) as Record<string, unknown>[];
    expect(log.some((r) => r.path === "/token" && JSON.stringify(r.query) === "{}")).toBe(true);
    expect(JSON.stringify(log)).not.toContain(token);
    expect(Object.keys(log[0] ?? {}).sort()).toEqual(["method", "path", "query", "status"]);
  });

  it("echoes every credential a request carried when hostile", async () => {
    const token = await accessToken();
    fake.setHostile({ echoSecrets: true });
    const { headers, body } = await api("/admin/directory/v1/users?customer=acme", token);
    expect(JSON.stringify(body)).toContain(token);
    expect(JSON.stringify(body)).toContain(Buffer.from(token).toString("base64"));
    expect(headers.get("www-authenticate")).toContain(token);
    const jwt = await assertion({ claims: { sub: "ghost@example.com" } });
    const refused = await tokenRequest({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: jwt,
    });
    expect(String(refused.body.error_description)).toContain(jwt);
  });
});

describe("generation", () => {
  it("makes 100,000 users in a couple of seconds and serves a late page at once", async () => {
    const started = performance.now();
    generateDirectory({
      users: 100_000,
      groups: 300,
      seed: 9,
      domain: "example.com",
      customerId: "C0abcdefg",
    });
    // About a second alone; test files run in parallel on a shared machine.
    expect(performance.now() - started).toBeLessThan(10_000);
    const big = await startFakeGoogle({ users: 100_000, groups: 300, seed: 9 });
    try {
      expect(big.directory.users).toHaveLength(100_000);
      const emails = big.directory.users.map((u) => u.primaryEmail);
      expect(new Set(emails).size).toBe(100_000);
      expect(
        emails.every((e, i) => i === 0 || (emails[i - 1] as string).toLowerCase() < e.toLowerCase()),
      ).toBe(true);
      const page = big.directory.listUsers((emails[99_000] as string).toLowerCase(), 500);
      const t = performance.now();
      for (let i = 0; i < 100; i++)
        big.directory.listUsers((emails[90_000 + i] as string).toLowerCase(), 500);
      expect(performance.now() - t).toBeLessThan(500);
      expect(page.items).toHaveLength(500);
      expect(big.directory.membershipCount()).toBeGreaterThan(250_000);
    } finally {
      await big.close();
    }
  });
});
