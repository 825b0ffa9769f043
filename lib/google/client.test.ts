// The Google Workspace client against the fake Directory API and token endpoint: paging, the
// flattened members, quotas waited out (in virtual time), retries, every credential failure on
// its form field, the token's life, and what a hostile server or a forged cursor cannot make it do.
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GroupGoneError, isPermanentFailure } from "@/lib/directory/types";
import { leakedFromError } from "@/lib/okta/testing";
import { type FakeGoogle, startFakeGoogle, TOKEN_PATH, USER_SCOPE } from "@/scripts/fake-google";
import { type GoogleClientOptions, GoogleDirectoryClient } from "./client";
import {
  GoogleApiError,
  type GoogleAuthError,
  GoogleConnectionError,
  GoogleResponseError,
  GoogleWaitRefusedError,
} from "./errors";
import { parseServiceAccountKey, type ServiceAccountKey } from "./service-account-key";

let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle({ users: 120, groups: 8, seed: 11, maxPageSize: 7 });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.clearRequests();
  fake.clearFaults();
  fake.resetClock();
  fake.setHostile({ echoSecrets: false });
  fake.setQuota({ perMinute: 2400, status: 403, reason: "rateLimitExceeded", retryAfterS: null });
});

const keyOf = (file: string): ServiceAccountKey => {
  const parsed = parseServiceAccountKey(file);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.key;
};

/** Test time: sleeps return at once and move the client's clock and the fake's. */
function virtualTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
      fake.advanceClock(ms);
    },
    random: () => 0.5,
  };
}

function client(over: Partial<GoogleClientOptions> = {}) {
  const time = virtualTime();
  const google = new GoogleDirectoryClient({
    key: keyOf(fake.demoKey),
    adminEmail: fake.adminEmail,
    endpoints: { token: fake.url, api: fake.url },
    allowInsecureLocalhost: true,
    now: time.now,
    sleep: time.sleep,
    random: time.random,
    ...over,
  });
  return { google, time };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as Error,
  );

async function all<T>(list: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>) {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { items: T[]; next: string | null } = await list(cursor);
    items.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor);
  return { items, pages };
}

const apiRequests = () => fake.requests.filter((r) => r.path !== TOKEN_PATH);

describe("listings", () => {
  it("pages through every user (suspended and archived too) by Google's page tokens, mapped", async () => {
    const { google } = client();
    const { items, pages } = await all((c) => google.listUsers(c));
    expect(pages).toBe(Math.ceil(120 / 7));
    expect(items.map((u) => u.externalId)).toEqual(fake.directory.users.map((u) => u.id));
    const byId = new Map(fake.directory.users.map((u) => [u.id, u]));
    for (const person of items) {
      const user = byId.get(person.externalId);
      expect(person.status).toBe(user?.archived ? "DEPROVISIONED" : user?.suspended ? "SUSPENDED" : "ACTIVE");
      expect(person).toMatchObject({
        username: user?.primaryEmail,
        email: user?.primaryEmail,
        firstName: user?.givenName,
        lastName: user?.familyName,
        displayName: `${user?.givenName} ${user?.familyName}`,
        createdAt: new Date(user?.creationTime ?? 0),
      });
      expect(person.profile.orgUnitPath).toBe(user?.orgUnitPath);
    }
    expect(new Set(items.map((u) => u.status))).toEqual(new Set(["ACTIVE", "SUSPENDED", "DEPROVISIONED"]));
    expect(apiRequests()[0]?.query).toEqual({
      customer: "my_customer",
      maxResults: "500",
      projection: "basic",
      orderBy: "email",
    });
    expect(google.requestCount).toBe(pages);
  });

  it("lists groups as Google Groups, with no member count (Google counts direct members only)", async () => {
    const { google } = client();
    const { items } = await all((c) => google.listGroups(c));
    expect(items.map((g) => g.externalId)).toEqual(fake.directory.groups.map((g) => g.id));
    expect(items.every((g) => g.type === "Google Group" && g.memberCount === null)).toBe(true);
  });

  it("flattens nested groups' users into a group's members, without groups, the customer or archived users", async () => {
    const parent = fake.directory.createGroup("parent@example.com", "Parent");
    const child = fake.directory.createGroup("child@example.com", "Child");
    const [a, b, suspended, archived] = fake.directory.users.slice(10, 14);
    if (!a || !b || !suspended || !archived) throw new Error("too few users");
    fake.directory.updateUser(suspended.id, { suspended: true, archived: false });
    fake.directory.updateUser(archived.id, { archived: true });
    fake.directory.addMember(parent.id, a.id);
    fake.directory.addMember(parent.id, child.id);
    fake.directory.addMember(parent.id, fake.customerId);
    for (const user of [a, b, suspended, archived]) fake.directory.addMember(child.id, user.id);
    const { google } = client();
    const { items } = await all((c) => google.listGroupMembers(parent.id, c));
    expect(items.sort()).toEqual([a.id, b.id, suspended.id].sort());
    expect(apiRequests()[0]?.query).toMatchObject({ includeDerivedMembership: "true", maxResults: "200" });
    expect(google.memberPageSize).toBe(200);
  });

  it("pages a big group's members, and says GroupGoneError for a group deleted since it was listed", async () => {
    const { google } = client();
    const big = fake.directory.groups.reduce((a, b) => (a.members.size > b.members.size ? a : b));
    const { items, pages } = await all((c) => google.listGroupMembers(big.id, c));
    expect(pages).toBeGreaterThan(3);
    expect(new Set(items).size).toBe(items.length);
    const gone = fake.directory.createGroup("gone@example.com", "Gone");
    fake.directory.deleteGroup(gone.id);
    const error = await failure(google.listGroupMembers(gone.id, null));
    expect(error).toBeInstanceOf(GroupGoneError);
  });
});

describe("cursors", () => {
  it("continue only the listing and group they came from", async () => {
    const { google } = client();
    const users = await google.listUsers(null);
    const groups = fake.directory.groups.filter((g) => g.members.size > 7);
    const [first, second] = groups;
    if (!users.next || !first || !second) throw new Error("fixture too small");
    const members = await google.listGroupMembers(first.id, null);
    expect(users.next).not.toMatch(/ya29|Bearer/);
    for (const [promise, what] of [
      [google.listGroups(users.next), "groups"],
      [google.listGroupMembers(second.id, members.next), "members"],
      [google.listUsers("https://evil.example/admin/directory/v1/users?pageToken=x"), "users"],
      [google.listUsers(JSON.stringify({ listing: "users", pageToken: "a b\r\nHost: evil" })), "users"],
    ] as const) {
      const error = await failure(promise);
      expect(error).toBeInstanceOf(GoogleResponseError);
      expect(error.message).toBe(`Refusing a page cursor that does not continue this ${what} listing.`);
      expect(isPermanentFailure(error)).toBe(true);
    }
    expect(apiRequests()).toHaveLength(2);
  });
});

describe("quota and failures", () => {
  it("waits out Google's 403 rateLimitExceeded with exponential backoff until the minute's quota renews", async () => {
    fake.setQuota({ perMinute: 6 });
    const { google, time } = client({ waitBudgetMs: 600_000 });
    const { pages } = await all((c) => google.listUsers(c));
    expect(pages).toBe(18);
    expect(apiRequests().filter((r) => r.status === 403).length).toBeGreaterThan(0);
    // 1 s, 2 s, 4 s … (× 0.75 jitter here), never more than 32 s at a time.
    expect(time.slept.slice(0, 3)).toEqual([750, 1500, 3000]);
    expect(Math.max(...time.slept)).toBeLessThanOrEqual(32_000);
    expect(google.waitedMs).toBe(time.slept.reduce((a, b) => a + b, 0));
  });

  it("honours a Retry-After on a 429, and refuses a hostile one without waiting", async () => {
    fake.setQuota({ perMinute: 1, status: 429, retryAfterS: 30 });
    const { google, time } = client();
    fake.advanceClock(60_000);
    await google.listUsers(null);
    await google.listGroups(null);
    // Until the fake's minute renews: once or twice, as the minute had more or less than 30 s left.
    expect(time.slept.length).toBeGreaterThanOrEqual(1);
    expect(time.slept.length).toBeLessThanOrEqual(2);
    expect(time.slept.every((ms) => ms === 30_000)).toBe(true);

    fake.setQuota({ perMinute: 0, status: 429, retryAfterS: 999_999 });
    const hostile = client();
    const error = await failure(hostile.google.listUsers(null));
    expect(error).toBeInstanceOf(GoogleWaitRefusedError);
    expect(isPermanentFailure(error)).toBe(true);
    expect(hostile.time.slept).toEqual([]);
  });

  it("gives up after its bounded waits with a quota error that a later run can fix", async () => {
    fake.setQuota({ perMinute: 0, reason: "userRateLimitExceeded" });
    const { google, time } = client({ maxRateLimitWaits: 3 });
    const error = await failure(google.listUsers(null));
    expect(error).toMatchObject({
      status: 403,
      reason: "userRateLimitExceeded",
      code: "rate_limited",
      field: null,
    });
    expect(isPermanentFailure(error)).toBe(false);
    expect(time.slept).toHaveLength(3);
  });

  it("retries a 5xx with backoff, and fails the run for Google to recover when they persist", async () => {
    fake.injectFault({ fault: { kind: "status", status: 503 }, path: "/admin", times: 2 });
    const { google, time } = client();
    await google.listUsers(null);
    expect(time.slept).toEqual([375, 750]);
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/admin", times: 10 });
    const error = await failure(client({ maxRetries: 2 }).google.listUsers(null));
    expect(error).toBeInstanceOf(GoogleApiError);
    expect(error.message).toMatch(/^Google is failing/);
    expect(isPermanentFailure(error)).toBe(false);
  });

  it("retries a timeout, refuses a redirect and a garbled page", async () => {
    fake.injectFault({ fault: { kind: "hang" }, path: "/admin", times: 1 });
    await client({ timeoutMs: 200 }).google.listUsers(null);
    fake.injectFault({ fault: { kind: "redirect" }, path: "/admin" });
    const redirect = await failure(client().google.listUsers(null));
    expect(redirect).toMatchObject({ reason: "redirect", permanent: true });
    fake.injectFault({ fault: { kind: "wrong-shape" }, path: "/admin" });
    expect(await failure(client().google.listGroups(null))).toMatchObject({ reason: "malformed" });
    fake.injectFault({ fault: { kind: "malformed-json" }, path: "/admin" });
    expect(await failure(client().google.listUsers(null))).toMatchObject({ reason: "malformed" });
  });

  it("stops waiting at once when the run is cancelled", async () => {
    fake.setQuota({ perMinute: 0, retryAfterS: 30 });
    const controller = new AbortController();
    const { google } = client({ signal: controller.signal, sleep: undefined });
    setTimeout(() => controller.abort(new Error("cancelled")), 50);
    const started = Date.now();
    expect((await failure(google.listUsers(null))).message).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("credentials", () => {
  const refused = async (over: Partial<GoogleClientOptions>) => {
    const error = await failure(client(over).google.listUsers(null));
    expect(isPermanentFailure(error)).toBe(true);
    return error as GoogleAuthError | GoogleApiError;
  };

  it("a deleted key, on the key field", async () => {
    const file = fake.oauth.createServiceAccount();
    const key = keyOf(file);
    fake.oauth.deleteKey(key.privateKeyId);
    const error = await refused({ key });
    expect(error).toMatchObject({ code: "key_refused", field: "serviceAccountKey" });
    expect(error.message).toMatch(/Create a new JSON key.*Invalid JWT Signature/);
  });

  it("no domain-wide delegation, or only some scopes, on the key field, naming the client ID and scopes", async () => {
    for (const delegated of [[], [USER_SCOPE]]) {
      const key = keyOf(fake.oauth.createServiceAccount({ delegated }));
      const error = await refused({ key });
      expect(error).toMatchObject({ code: "delegation_missing", field: "serviceAccountKey" });
      expect(error.message).toContain(key.clientId);
      expect(error.message).toContain("admin.directory.group.readonly");
    }
  });

  it("an admin email Google does not know, on the admin field", async () => {
    const error = await refused({ adminEmail: "nobody@example.com" });
    expect(error).toMatchObject({ code: "unknown_admin", field: "adminEmail" });
  });

  it("a user who is not an admin: the API's 403, on the admin field", async () => {
    const user = fake.directory.users.find((u) => !u.isAdmin && !u.suspended && !u.archived);
    const error = await refused({ adminEmail: user?.primaryEmail ?? "" });
    expect(error).toMatchObject({ status: 403, reason: "forbidden", code: "not_admin", field: "adminEmail" });
    // A delegated admin with the read privileges is enough.
    fake.setAdmin(user?.id ?? "", { isDelegatedAdmin: true });
    await client({ adminEmail: user?.primaryEmail ?? "" }).google.listUsers(null);
  });

  it("another customer's ID, or a 400 for the customer, on the customer field", async () => {
    const error = await refused({ customerId: "C0nosuch1" });
    expect(error).toMatchObject({ status: 404, code: "unknown_customer", field: "customerId" });
    expect(apiRequests().at(-1)?.query.customer).toBe("C0nosuch1");
    await client({ customerId: fake.customerId }).google.listGroups(null);
    fake.injectFault({ fault: { kind: "status", status: 400 }, path: "/admin/directory/v1/users" });
    expect(await refused({})).toMatchObject({ status: 400, field: "customerId" });
  });
});

describe("the access token", () => {
  it("is asked once for 20 requests at once, with an RS256 assertion as the admin", async () => {
    const issued = fake.oauth.issued;
    const { google } = client();
    await Promise.all(Array.from({ length: 20 }, () => google.listUsers(null)));
    expect(fake.oauth.issued - issued).toBe(1);
    expect(fake.requests.filter((r) => r.path === TOKEN_PATH)).toHaveLength(1);
  });

  it("is renewed shortly before it expires", async () => {
    fake.oauth.accessTokenTtlS = 2;
    try {
      const { google, time } = client();
      await google.listUsers(null);
      await google.listUsers(null);
      await time.sleep(1500);
      await google.listUsers(null);
      expect(fake.requests.filter((r) => r.path === TOKEN_PATH)).toHaveLength(2);
      expect(apiRequests().filter((r) => r.status === 401)).toEqual([]);
    } finally {
      fake.oauth.accessTokenTtlS = 3599;
    }
  });

  it("is renewed once after a 401, then the refusal stands, on the key field", async () => {
    const { google } = client();
    await google.listUsers(null);
    fake.oauth.revokeAccessTokens();
    await google.listUsers(null);
    expect(apiRequests().map((r) => r.status)).toEqual([200, 401, 200]);
    fake.injectFault({ fault: { kind: "status", status: 401 }, path: "/admin", times: 5 });
    const error = await failure(google.listUsers(null));
    expect(error).toMatchObject({
      status: 401,
      code: "key_refused",
      field: "serviceAccountKey",
      permanent: true,
    });
    expect(
      apiRequests()
        .slice(-2)
        .map((r) => r.status),
    ).toEqual([401, 401]);
  });
});

describe("a hostile server", () => {
  it("echoing every credential in its errors gets none of them into an error", async () => {
    fake.setHostile({ echoSecrets: true });
    const key = keyOf(fake.oauth.createServiceAccount());
    const ordinary = fake.directory.users.find((u) => !u.isAdmin && !u.isDelegatedAdmin && !u.suspended);
    const errors: Error[] = [];
    errors.push(await failure(client({ adminEmail: ordinary?.primaryEmail ?? "" }).google.listUsers(null)));
    fake.injectFault({ fault: { kind: "status", status: 401 }, path: "/admin", times: 2 });
    errors.push(await failure(client().google.listGroups(null)));
    fake.injectFault({ fault: { kind: "status", status: 500 }, path: "/admin", times: 5 });
    errors.push(await failure(client({ maxRetries: 1 }).google.listUsers(null)));
    fake.oauth.deleteKey(key.privateKeyId);
    errors.push(await failure(client({ key }).google.listUsers(null)));
    expect(fake.secretsSeen.size).toBeGreaterThan(4);
    const body = key.privateKey.replace(/-----[^-]+-----|\s/g, "");
    for (const error of errors) {
      expect(error.message.length).toBeLessThan(1200);
      for (const secret of [...fake.secretsSeen, body]) expect(leakedFromError(error, secret)).toEqual([]);
    }
  });
});

describe("the client itself", () => {
  it("shows neither the private key nor its access token when inspected or serialised", async () => {
    const { google } = client();
    await google.listUsers(null);
    const body = keyOf(fake.demoKey).privateKey.replace(/-----[^-]+-----|\s/g, "");
    const token = [...fake.secretsSeen].find((s) => s.startsWith("ya29.")) ?? "";
    expect(token).not.toBe("");
    for (const text of [inspect(google, { depth: 10, showHidden: true }), JSON.stringify(google)]) {
      expect(text).not.toContain(body.slice(0, 64));
      expect(text).not.toContain(token);
    }
  });
});

describe("endpoints", () => {
  it("are Google's own unless local ones are allowed for development", () => {
    const key = keyOf(fake.demoKey);
    const make = (endpoints: { token: string; api: string }, allowInsecureLocalhost: boolean) => () =>
      new GoogleDirectoryClient({ key, adminEmail: fake.adminEmail, endpoints, allowInsecureLocalhost });
    for (const [endpoints, allowed] of [
      [{ token: fake.url, api: fake.url }, false],
      [{ token: "https://evil.example", api: fake.url }, true],
      [{ token: fake.url, api: "http://169.254.169.254" }, true],
      [{ token: `${fake.url}/token`, api: fake.url }, true],
      [{ token: fake.url.replace("http://", "http://user:pw@"), api: fake.url }, true],
    ] as const) {
      expect(make(endpoints, allowed)).toThrow(GoogleConnectionError);
    }
    expect(make({ token: fake.url, api: fake.url }, true)).not.toThrow();
  });

  it("resolve to public addresses only in production", async () => {
    const google = new GoogleDirectoryClient({
      key: keyOf(fake.demoKey),
      adminEmail: fake.adminEmail,
      resolve: async () => [{ address: "10.0.0.7", family: 4 }],
      maxRetries: 0,
    });
    const error = await failure(google.listUsers(null));
    expect(error).toMatchObject({
      name: "GoogleConnectionError",
      reason: "blocked_address",
      permanent: true,
    });
    expect(error.message).toMatch(/oauth2\.googleapis\.com resolves to 10\.0\.0\.7/);
  });
});
