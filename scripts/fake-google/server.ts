import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { Directory, type FakeUser, type Member, NotFoundError } from "./directory";
import { type GenerateOptions, generateDirectory, idMaker } from "./generate";
import { GROUP_SCOPE, type IssuedToken, OAuthError, TOKEN_PATH, TokenEndpoint, USER_SCOPE } from "./oauth";

/**
 * A stateful fake of Google Workspace's Admin SDK Directory API for tests and local development:
 * users, groups and members listings with Google's paging (`pageToken` / `nextPageToken`,
 * `maxResults` caps), Google's error format, per-minute quota answered as Google does (403
 * `rateLimitExceeded`, or 429), the OAuth token endpoint of service accounts with domain-wide
 * delegation (`oauth.ts`), faults on command and an admin API (`/__admin/<command>`).
 */

export type Fault =
  | { kind: "status"; status: number }
  | { kind: "delay"; ms: number }
  /** Never answers (until the client gives up or the fake closes). */
  | { kind: "hang" }
  | { kind: "malformed-json" }
  | { kind: "wrong-shape" }
  | { kind: "redirect" };

export interface FaultRule {
  fault: Fault;
  /** Only requests whose path starts with this. */
  path?: string;
  /** Matching requests let through before the fault strikes. */
  skip?: number;
  /** How many matching requests it strikes (default 1). */
  times?: number;
}

export interface Quota {
  /** API requests a minute (Google's default for the Directory API: 2,400 per user). */
  perMinute: number;
  /** How an exceeded quota is answered: 403 (`reason`) as the Directory API does, or 429. */
  status: 403 | 429;
  reason: "rateLimitExceeded" | "userRateLimitExceeded";
  /** A `Retry-After` (s) sent with quota answers; null: none, as Google usually sends. */
  retryAfterS: number | null;
}

export interface Hostility {
  /**
   * Every error answer echoes the credential the request carried (its access token; on the token
   * endpoint its assertion) raw, URL-encoded, base64 and base64url, in every field of the body
   * and in `WWW-Authenticate`, `Location` and `X-Echo`.
   */
  echoSecrets: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Never a token request's (it could only hold a misplaced credential). */
  query: Record<string, string>;
  /** The answer's status, once sent. */
  status?: number;
}

export interface FakeGoogleOptions extends GenerateOptions {
  /** Default 0: the OS picks a free port. */
  port?: number;
  host?: string;
  /** The Workspace's primary domain (default example.com). */
  domain?: string;
  quota?: Partial<Quota>;
  /** Fewer items a page than asked (Google may send fewer than `maxResults`). */
  maxPageSize?: number;
  hostile?: Partial<Hostility>;
}

const USERS = "/admin/directory/v1/users";
const GROUPS = "/admin/directory/v1/groups";
const MEMBERS = /^\/admin\/directory\/v1\/groups\/([^/]+)\/members$/;
/** `maxResults`: [default, maximum]; users above the maximum are refused, groups and members capped. */
const PAGE_LIMITS = { users: [100, 500], groups: [200, 200], members: [200, 200] } as const;
const DEFAULT_QUOTA: Quota = { perMinute: 2400, status: 403, reason: "rateLimitExceeded", retryAfterS: null };
const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
const etag = (text: string) => `"${createHash("sha1").update(text).digest("base64url")}"`;

/** An error in Google's format: `{ error: { code, message, errors: [{ message, domain, reason }], status } }`. */
export class GoogleFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status: string,
    readonly domain = "global",
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};
const failure = (code: number, reason: string, message: string) =>
  new GoogleFailure(code, reason, message, STATUS_NAMES[code] ?? "UNKNOWN");
const NOT_AUTHORIZED = () => failure(403, "forbidden", "Not Authorized to access this resource/api");

export class FakeGoogle {
  readonly directory: Directory;
  readonly oauth: TokenEndpoint;
  /** The request log; never a request's body or headers. */
  readonly requests: RequestRecord[] = [];
  /**
   * Every credential received (access tokens, assertions), for tests that a client shows none of
   * them in its errors: the attacker's view of the wire.
   */
  readonly secretsSeen = new Set<string>();
  /** The demo service account's JSON key file (delegated both read scopes), made at start. */
  readonly demoKey: string;
  /** A super admin of the Workspace, for the demo key to act as. */
  readonly adminEmail: string;
  url = "";
  private quota: Quota;
  private hostility: Hostility;
  private faults: (FaultRule & { skip: number; times: number })[] = [];
  private window = { start: 0, used: 0 };
  private advanced = 0;
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendGoogleError(res, failure(500, "backendError", String(error)));
    });
  });

  constructor(private readonly options: FakeGoogleOptions = {}) {
    const seed = options.seed ?? 1;
    const domain = options.domain ?? "example.com";
    const newId = idMaker(seed);
    const customerId = `C0${(seed * 7_777_777).toString(36).slice(-7).padStart(7, "0")}`;
    this.directory = new Directory(customerId, domain, newId, () => this.now());
    const data = generateDirectory({ ...options, domain, customerId });
    this.directory.load(data.users, data.groups);
    this.quota = { ...DEFAULT_QUOTA, ...options.quota };
    this.hostility = { echoSecrets: false, ...options.hostile };
    this.oauth = new TokenEndpoint(
      () => this.now(),
      (email) => this.directory.findUser(email) !== undefined,
    );
    this.demoKey = this.oauth.createServiceAccount({ name: "sync-demo" });
    this.adminEmail = `admin@${domain}`;
  }

  async listen(): Promise<this> {
    const host = this.options.host ?? "127.0.0.1";
    await new Promise<void>((resolve) => this.server.listen(this.options.port ?? 0, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The fake's clock (ms): quota windows and token expiry follow it. */
  now(): number {
    return Date.now() + this.advanced;
  }

  advanceClock(ms: number): number {
    this.advanced += ms;
    return this.now();
  }

  /** Back to the real time (assertions are signed on the real clock: an advanced fake finds them stale). */
  resetClock(): number {
    this.advanced = 0;
    return this.now();
  }

  get customerId(): string {
    return this.directory.customerId;
  }

  setQuota(quota: Partial<Quota>): Quota {
    this.quota = { ...this.quota, ...quota };
    return this.quota;
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ ...rule, skip: rule.skip ?? 0, times: rule.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  setHostile(hostility: Partial<Hostility>): Hostility {
    this.hostility = { ...this.hostility, ...hostility };
    return this.hostility;
  }

  clearRequests(): void {
    this.requests.length = 0;
    this.secretsSeen.clear();
  }

  /** A user's admin roles: a super admin, or a delegated admin whose role may read users and groups. */
  setAdmin(idOrEmail: string, roles: { isAdmin?: boolean; isDelegatedAdmin?: boolean }): FakeUser {
    return this.directory.updateUser(this.directory.user(idOrEmail).id, roles);
  }

  /** Everything the admin API can call, by name (arguments as a JSON array). */
  private readonly commands: Record<string, (...args: never[]) => unknown> = {
    createUser: (fields: Partial<FakeUser> & { primaryEmail: string }) => this.directory.createUser(fields),
    updateUser: (id: string, patch: Partial<FakeUser>) => this.directory.updateUser(id, patch),
    deleteUser: (id: string) => this.directory.deleteUser(id),
    setAdmin: (idOrEmail: string, roles: { isAdmin?: boolean; isDelegatedAdmin?: boolean }) =>
      this.setAdmin(idOrEmail, roles),
    createGroup: (email: string, name: string, description?: string) =>
      this.directory.createGroup(email, name, description),
    updateGroup: (id: string, patch: { name?: string; description?: string }) =>
      this.directory.updateGroup(id, patch),
    deleteGroup: (id: string) => this.directory.deleteGroup(id),
    addMember: (groupId: string, memberId: string) => this.directory.addMember(groupId, memberId),
    removeMember: (groupId: string, memberId: string) => this.directory.removeMember(groupId, memberId),
    createServiceAccount: (options?: { name?: string; delegated?: string[] }) =>
      this.oauth.createServiceAccount(options),
    addKey: (clientEmail: string) => this.oauth.addKey(clientEmail),
    deleteKey: (kid: string) => this.oauth.deleteKey(kid),
    grantDelegation: (clientId: string, scopes: string[]) => this.oauth.grantDelegation(clientId, scopes),
    revokeDelegation: (clientId: string) => this.oauth.revokeDelegation(clientId),
    revokeAccessTokens: () => this.oauth.revokeAccessTokens(),
    setAccessTokenTtl: (seconds: number) => {
      this.oauth.accessTokenTtlS = seconds;
    },
    setQuota: (quota: Partial<Quota>) => this.setQuota(quota),
    injectFault: (rule: FaultRule) => this.injectFault(rule),
    clearFaults: () => this.clearFaults(),
    setHostile: (hostility: Partial<Hostility>) => this.setHostile(hostility),
    advanceClock: (ms: number) => this.advanceClock(ms),
    resetClock: () => this.resetClock(),
    clearRequests: () => this.clearRequests(),
  };

  private async admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice("/__admin/".length);
    if (req.method === "GET" && name === "requests") return send(res, 200, this.requests);
    if (req.method === "GET" && name === "state") {
      return send(res, 200, {
        customerId: this.customerId,
        users: this.directory.users.length,
        groups: this.directory.groups.length,
        memberships: this.directory.membershipCount(),
        quota: this.quota,
        hostile: this.hostility,
        accessTokensIssued: this.oauth.issued,
        now: new Date(this.now()).toISOString(),
      });
    }
    const command = this.commands[name];
    if (req.method !== "POST" || !command) return send(res, 404, { error: `No admin command ${name}` });
    try {
      const body = await readBody(req);
      const args: unknown = body.trim() ? JSON.parse(body) : [];
      if (!Array.isArray(args)) throw new Error("The body must be a JSON array of arguments");
      send(res, 200, { result: (await (command as (...a: unknown[]) => unknown)(...args)) ?? null });
    } catch (error) {
      send(res, error instanceof NotFoundError ? 404 : 400, { error: (error as Error).message });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-google");
    if (url.pathname.startsWith("/__admin/")) return this.admin(req, res, url);
    const method = req.method ?? "GET";
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: url.pathname === TOKEN_PATH ? {} : Object.fromEntries(url.searchParams),
    };
    this.requests.push(record);
    res.on("close", () => {
      if (res.headersSent) record.status = res.statusCode;
    });
    res.setHeader("Date", new Date(this.now()).toUTCString());
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const secrets = bearer ? [bearer] : [];
    if (bearer) this.secretsSeen.add(bearer);
    try {
      if (url.pathname === TOKEN_PATH) return await this.tokenEndpoint(req, res, method, secrets);
      if (method !== "GET") throw failure(405, "httpMethodNotAllowed", "Method Not Allowed");
      const token = this.authenticate(bearer);
      this.spend();
      if (await this.strike(this.takeFault(url.pathname), res)) return;
      this.answer(res, url, token);
    } catch (error) {
      if (error instanceof OAuthError) {
        res.setHeader("Cache-Control", "no-store");
        if (this.hostility.echoSecrets) return sendEcho(res, error.status, secrets, null, error.error);
        return send(res, error.status, { error: error.error, error_description: error.message });
      }
      if (!(error instanceof GoogleFailure)) throw error;
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      if (this.hostility.echoSecrets) return sendEcho(res, error.code, secrets, error, null);
      sendGoogleError(res, error);
    }
  }

  private async tokenEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    secrets: string[],
  ): Promise<void> {
    if (method !== "POST") throw new OAuthError(400, "invalid_request", "Invalid request method.");
    const form = new URLSearchParams(await readBody(req));
    const assertion = form.get("assertion");
    if (assertion) {
      secrets.push(assertion);
      this.secretsSeen.add(assertion);
    }
    if (await this.strike(this.takeFault(TOKEN_PATH), res)) return;
    const answer = await this.oauth.requestToken(req.headers["content-type"], form);
    res.setHeader("Cache-Control", "no-store");
    send(res, 200, answer);
  }

  /** The access token of a request, or Google's 401. */
  private authenticate(bearer: string | undefined): IssuedToken {
    const token = bearer ? this.oauth.accessToken(bearer) : null;
    if (token) return token;
    throw new GoogleFailure(
      401,
      "authError",
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      "UNAUTHENTICATED",
      "global",
      { "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    );
  }

  /** Counts the request against the minute's quota; over it, Google's quota answer. */
  private spend(): void {
    const now = this.now();
    const start = Math.floor(now / 60_000) * 60_000;
    if (this.window.start !== start) this.window = { start, used: 0 };
    if (this.window.used >= this.quota.perMinute) {
      const { status, reason, retryAfterS } = this.quota;
      throw new GoogleFailure(
        status,
        reason,
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com' for consumer 'project_number:123456789012'.",
        status === 429 ? "RESOURCE_EXHAUSTED" : "PERMISSION_DENIED",
        "usageLimits",
        retryAfterS === null ? {} : { "Retry-After": String(retryAfterS) },
      );
    }
    this.window.used++;
  }

  private answer(res: ServerResponse, url: URL, token: IssuedToken): void {
    const members = MEMBERS.exec(url.pathname);
    const listing =
      url.pathname === USERS ? "users" : url.pathname === GROUPS ? "groups" : members ? "members" : null;
    if (!listing) throw failure(404, "notFound", "Not Found");
    if (!token.scopes.has(listing === "users" ? USER_SCOPE : GROUP_SCOPE)) {
      throw failure(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
    }
    const admin = this.directory.findUser(token.subject);
    if (!admin || admin.suspended || admin.archived || !(admin.isAdmin || admin.isDelegatedAdmin)) {
      throw NOT_AUTHORIZED();
    }
    const limit = this.limit(url, listing);
    const pageToken = url.searchParams.get("pageToken");
    const after = pageToken === null ? null : readPageToken(pageToken, listing);
    if (listing !== "members") {
      this.checkCustomer(url);
      if (listing === "users") {
        const orderBy = url.searchParams.get("orderBy");
        if (orderBy !== null && orderBy !== "email") throw failure(400, "invalid", `Invalid Input: orderBy`);
        const slice = this.directory.listUsers(after, limit);
        sendPage(
          res,
          "users",
          slice.items.map((u) => this.userJson(u)),
          slice.after,
          listing,
        );
        return;
      }
      const slice = this.directory.listGroups(after, limit);
      sendPage(res, "groups", slice.items.map(groupJson), slice.after, listing);
      return;
    }
    const derived = url.searchParams.get("includeDerivedMembership") === "true";
    try {
      const slice = this.directory.listMembers(
        decodeURIComponent(members?.[1] ?? ""),
        derived,
        after === null ? 0 : Number(after),
        limit,
      );
      sendPage(res, "members", slice.items.map(memberJson), slice.after, listing);
    } catch (error) {
      if (error instanceof NotFoundError) throw failure(404, "notFound", "Resource Not Found: groupKey");
      throw error;
    }
  }

  /** `customer` must be the admin's own: `my_customer` or its ID (Google answers 400, or 404 for another's). */
  private checkCustomer(url: URL): void {
    const customer = url.searchParams.get("customer");
    if (customer === "my_customer" || customer === this.customerId) return;
    if (customer && /^C[0-9a-z]{5,20}$/i.test(customer))
      throw failure(404, "notFound", "Resource Not Found: customer");
    throw failure(400, "badRequest", "Bad Request");
  }

  private limit(url: URL, listing: keyof typeof PAGE_LIMITS): number {
    const [fallback, max] = PAGE_LIMITS[listing];
    const text = url.searchParams.get("maxResults");
    const asked = text === null ? fallback : Number(text);
    if (!Number.isInteger(asked) || asked < 1 || (listing === "users" && asked > max)) {
      throw failure(400, "invalid", `Invalid value '${text}'. Values must be within the range: [1, ${max}]`);
    }
    return Math.min(asked, max, this.options.maxPageSize ?? max);
  }

  private userJson(user: FakeUser) {
    return {
      kind: "admin#directory#user",
      id: user.id,
      etag: etag(`${user.id}${user.suspended}${user.archived}${user.givenName}${user.familyName}`),
      primaryEmail: user.primaryEmail,
      name: {
        givenName: user.givenName,
        familyName: user.familyName,
        fullName: `${user.givenName} ${user.familyName}`,
      },
      isAdmin: user.isAdmin,
      isDelegatedAdmin: user.isDelegatedAdmin,
      lastLoginTime: iso(user.lastLoginTime) ?? "1970-01-01T00:00:00.000Z",
      creationTime: iso(user.creationTime),
      agreedToTerms: user.lastLoginTime !== null,
      suspended: user.suspended,
      ...(user.suspended ? { suspensionReason: "ADMIN" } : {}),
      archived: user.archived,
      changePasswordAtNextLogin: false,
      ipWhitelisted: false,
      emails: [{ address: user.primaryEmail, primary: true }],
      languages: [{ languageCode: "en", preference: "preferred" }],
      customerId: this.customerId,
      orgUnitPath: user.orgUnitPath,
      isMailboxSetup: true,
      isEnrolledIn2Sv: false,
      isEnforcedIn2Sv: false,
      includeInGlobalAddressList: true,
    };
  }

  /** Applies a fault: throws, or answers in the request's place (true), or only delays it (false). */
  private async strike(fault: Fault | undefined, res: ServerResponse): Promise<boolean> {
    switch (fault?.kind) {
      case undefined:
        return false;
      case "hang":
        return true;
      case "delay":
        await delay(fault.ms);
        return false;
      case "status":
        throw failure(fault.status, fault.status >= 500 ? "backendError" : "failed", "Backend Error");
      case "malformed-json":
        send(res, 200, '{"kind": "admin#directory#users", "users": [', true);
        return true;
      case "wrong-shape":
        send(res, 200, { users: "not a list", groups: 7, members: {} });
        return true;
      case "redirect":
        res.setHeader("Location", "https://accounts.google.com/ServiceLogin");
        send(res, 302, {});
        return true;
    }
  }

  private takeFault(path: string): Fault | undefined {
    const rule = this.faults.find((r) => !r.path || path.startsWith(r.path));
    if (!rule) return undefined;
    if (rule.skip > 0) {
      rule.skip--;
      return undefined;
    }
    if (--rule.times <= 0) this.faults.splice(this.faults.indexOf(rule), 1);
    return rule.fault;
  }
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  return new FakeGoogle(options).listen();
}

function groupJson(group: {
  id: string;
  email: string;
  name: string;
  description: string;
  adminCreated: boolean;
  members: Map<string, unknown>;
}) {
  return {
    kind: "admin#directory#group",
    id: group.id,
    etag: etag(`${group.id}${group.name}${group.description}`),
    email: group.email,
    name: group.name,
    // int64 fields are strings in Google's JSON.
    directMembersCount: String(group.members.size),
    description: group.description,
    adminCreated: group.adminCreated,
  };
}

function memberJson(member: Member) {
  return { kind: "admin#directory#member", etag: etag(`${member.id}${member.role}`), ...member };
}

/**
 * Page tokens are opaque to clients; here, the listing and where the page ended, encoded. A
 * token from another listing or not from this fake is refused as Google refuses a bad one.
 */
function readPageToken(token: string, listing: string): string {
  try {
    const [kind, after] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [unknown, unknown];
    if (kind === listing && typeof after === "string") return after;
  } catch {
    // Refused below.
  }
  throw failure(400, "invalid", "Invalid Input: pageToken");
}

function sendPage(
  res: ServerResponse,
  key: string,
  items: unknown[],
  after: string | null,
  listing: string,
): void {
  send(res, 200, {
    kind: `admin#directory#${key}`,
    etag: etag(`${key}${after}`),
    // Google leaves an empty page's list out.
    ...(items.length ? { [key]: items } : {}),
    ...(after === null
      ? {}
      : { nextPageToken: Buffer.from(JSON.stringify([listing, after])).toString("base64url") }),
  });
}

function send(res: ServerResponse, status: number, body: unknown, raw = false): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8" });
  res.end(raw ? String(body) : JSON.stringify(body));
}

function sendGoogleError(res: ServerResponse, error: GoogleFailure): void {
  send(res, error.code, {
    error: {
      code: error.code,
      message: error.message,
      errors: [{ message: error.message, domain: error.domain, reason: error.reason }],
      status: error.status,
    },
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

/** A secret in each encoding a careless client might leak it in. */
const echoForms = (secret: string) => [
  secret,
  `Bearer ${secret}`,
  encodeURIComponent(secret),
  Buffer.from(secret).toString("base64"),
  Buffer.from(secret).toString("base64url"),
  Buffer.from(`x:${secret}`).toString("base64"),
];

/** An error whose every field and several headers carry the request's credentials. */
function sendEcho(
  res: ServerResponse,
  status: number,
  secrets: string[],
  google: GoogleFailure | null,
  oauthError: string | null,
): void {
  const forms = secrets.flatMap(echoForms);
  const all = forms.join(" ");
  const first = secrets[0] ?? "";
  res.setHeader("WWW-Authenticate", `Bearer realm="${first}", error_description="${first}"`);
  res.setHeader("Location", `https://accounts.google.com/?t=${encodeURIComponent(first)}`);
  res.setHeader(
    "X-Echo",
    echoForms(first)
      .map((f) => f.replace(/[^\x21-\x7e]/g, ""))
      .join(",")
      .slice(0, 12_000),
  );
  if (oauthError) {
    send(res, status, { error: all || oauthError, error_description: `Invalid: ${all}` });
    return;
  }
  send(res, status, {
    error: {
      code: status,
      message: `${google?.message ?? "Error"} ${all}`,
      errors: forms.map((form) => ({ message: form, domain: form, reason: google?.reason ?? form })),
      status: all,
    },
  });
}
