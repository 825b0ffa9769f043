import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { endpointFamily } from "@/lib/okta/pacing";
import {
  BadCursorError,
  Directory,
  type FakeGroup,
  type FakeUser,
  type Listing,
  NotFoundError,
} from "./directory";
import { OAuthError, OktaFailure } from "./errors";
import { FilterError, parseFilter } from "./filter";
import {
  type DirectoryJson,
  directoryFromJson,
  type GenerateOptions,
  generateDirectory,
  idMaker,
} from "./generate";
import {
  APPS_MANAGE_SCOPE,
  FAMILY_SCOPES,
  type FakeServiceApp,
  KeyRejected,
  OrgAuthorizationServer,
  type RegisteredKey,
  type ResourceAccess,
  type ResourceScope,
  type ServiceAppPatch,
  TOKEN_PATH,
} from "./oauth";
import { LogQueryError, parseLogQuery, SystemLog } from "./system-log";

/**
 * A stateful fake of Okta's Management API for tests, the demo and the benchmark: the read
 * endpoints a sync uses and the System Log of the changes made to the org, with Okta's paging,
 * filters, errors, rate limits and headers, faults on command, and an admin API to change the org
 * between syncs (`/__admin/<command>`). Besides its API token (SSWS) it takes the access tokens of
 * OAuth 2.0 service apps, issued by its org authorization server (`oauth.ts`).
 */

export interface RateLimits {
  /** Requests per minute for `/api/v1/users…`, `/api/v1/groups…`, `/api/v1/logs` and everything else. */
  users: number;
  groups: number;
  /** Okta's System Log limit is far below the others (20 to 120 a minute by org). */
  logs: number;
  other: number;
  /** Requests in flight at once before Okta answers 429. */
  concurrency: number;
}

export type Fault =
  | { kind: "status"; status: number }
  | { kind: "delay"; ms: number }
  /** Never answers (until the client gives up or the fake closes). */
  | { kind: "hang" }
  | { kind: "malformed-json" }
  | { kind: "wrong-shape" }
  /** 302 to `location` (default the org's sign-in page; with `echoToken`, one carrying the token). */
  | { kind: "redirect"; location?: string };

/** What a hostile Okta does, for tests of the app's defences; all off by default. */
export interface Hostility {
  /**
   * Every error answer echoes the request's credential (its API or access token; on the token
   * endpoint its client assertion and DPoP proof; without one, the fake's own API token) in every
   * field of the error body, in `Location`, `WWW-Authenticate` and a large custom header; raw,
   * URL-encoded, base64, base64url and after its scheme (`SSWS <token>`).
   */
  echoToken: boolean;
  /** Every request answers 429 with an `X-Rate-Limit-Reset` this far ahead of the fake's clock (ms); null: off. */
  rateLimitResetInMs: number | null;
  /** The org lists no users and no groups (the data is kept: turning it off brings it back). */
  emptyOrg: boolean;
  /** The token's admin may not read the System Log: `/api/v1/logs` answers 403 `E0000006`. */
  logsForbidden: boolean;
  /**
   * What a group's member page of more than `SMALL_MEMBER_PAGE` users (asked with `limit`, or by
   * default) meets, e.g. a 500 or a hang, for tests of a client falling back to small pages; null: off.
   */
  bigMemberPageFault: Fault | null;
}

/** How far ahead `rate-limit-far` puts the reset: 20 days, as the hostile org the probe met. */
export const FAR_RESET_MS = 20 * 24 * 3600_000;
/** Member pages above this size meet `bigMemberPageFault` (the users listing's page size). */
export const SMALL_MEMBER_PAGE = 200;
const NOT_HOSTILE: Hostility = {
  echoToken: false,
  rateLimitResetInMs: null,
  emptyOrg: false,
  logsForbidden: false,
  bigMemberPageFault: null,
};

export interface FaultRule {
  fault: Fault;
  /** Only requests whose path starts with this. */
  path?: string;
  /** Matching requests let through before the fault strikes (e.g. 2: the third page fails). */
  skip?: number;
  /** How many matching requests it strikes (default 1). */
  times?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** On the fake's clock. */
  at: number;
  /** The answer's status, once sent (429 when a rate limit refused it). */
  status?: number;
}

export interface FakeOktaOptions extends GenerateOptions {
  /** Default 0: the OS picks a free port. */
  port?: number;
  host?: string;
  token?: string;
  /** Org data to serve instead of generated data. */
  data?: DirectoryJson;
  rateLimits?: Partial<RateLimits>;
  /** Where the fake's clock starts (default: now). */
  startAt?: Date;
  /** The clock moves only by `advanceClock` (tests of pacing stay exact). */
  frozenClock?: boolean;
  /**
   * The most items a page holds, below Okta's maxima (Okta may send fewer than `limit`): small
   * pages make a small org span many pages, and a sync many steps.
   */
  maxPageSize?: Partial<Record<keyof typeof PAGE_LIMITS | "logs", number>>;
  /** The rate-limit window (default a minute, as Okta's): shorter in tests, so waits stay short. */
  rateLimitWindowMs?: number;
  /**
   * How long after it is published a System Log event becomes visible to queries (ms, default 0):
   * Okta's log is eventually consistent.
   */
  logDelayMs?: number;
  hostile?: Partial<Hostility>;
  /** OAuth 2.0 service apps of the org (none by default). */
  serviceApps?: FakeServiceApp[];
}

export const DEFAULT_TOKEN = "00fakeOktaApiToken-for-local-development-only";
const DEFAULT_LIMITS: RateLimits = { users: 600, groups: 500, logs: 60, other: 100, concurrency: 75 };
/** Okta's page sizes: [default, max]. The System Log's are its own (`LOG_PAGE_LIMITS`). */
const PAGE_LIMITS = { users: [200, 200], groups: [10_000, 10_000], members: [1000, 1000] } as const;
const USER_FILTER = {
  status: false,
  lastUpdated: true,
  id: false,
  "profile.login": false,
  "profile.email": false,
  "profile.firstName": false,
  "profile.lastName": false,
};
const GROUP_FILTER = { id: false, type: false, lastUpdated: true, lastMembershipUpdated: true };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const JWKS_PATH = /^\/api\/v1\/apps\/([^/]+)\/credentials\/jwks$/;

/** A credential a request presented, as a hostile fake echoes it: its scheme and its secrets. */
interface Presented {
  scheme: string;
  secrets: string[];
}

/** What the handling of one request learns about its credentials. */
interface RequestContext {
  presented: Presented;
  /** Its client assertion and DPoP proofs: used up once it is answered, whatever the answer. */
  jwts: string[];
}

/** Okta's rate-limit family of a path: the client's families, and the System Log's own. */

export class FakeOkta {
  readonly directory: Directory;
  /** The changes made to the org since it started, as Okta's System Log shows them. */
  readonly log: SystemLog;
  /** The org authorization server: service apps, the access tokens it issued. */
  readonly oauth: OrgAuthorizationServer;
  /** The request log; never a request's body or headers. */
  readonly requests: RequestRecord[] = [];
  readonly token: string;
  readonly orgId: string;
  /** The most requests ever in flight at once. */
  maxInFlight = 0;
  url = "";
  private limits: RateLimits;
  private readonly windows = new Map<string, { start: number; used: number }>();
  private faults: (FaultRule & { skip: number; times: number })[] = [];
  private tokenUsesLeft: number | null = null;
  private permissions = { users: true, groups: true };
  private hostility: Hostility;
  private inFlight = 0;
  private advanced = 0;
  private readonly clockStart: number;
  private readonly realStart = Date.now();
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { errorSummary: String(error) });
    });
  });

  constructor(private readonly options: FakeOktaOptions = {}) {
    this.token = options.token ?? DEFAULT_TOKEN;
    this.limits = { ...DEFAULT_LIMITS, ...options.rateLimits };
    this.hostility = { ...NOT_HOSTILE, ...options.hostile };
    this.clockStart = options.startAt?.getTime() ?? Date.now();
    const seed = options.seed ?? 1;
    const newId = idMaker(seed);
    this.orgId = newId("00o", 0);
    this.log = new SystemLog(() => this.now(), options.logDelayMs);
    this.oauth = new OrgAuthorizationServer(() => this.now(), options.serviceApps);
    this.directory = new Directory(() => this.now(), newId, this.log);
    const data = options.data ? directoryFromJson(options.data, seed) : generateDirectory(options);
    this.directory.load(data.users, data.groups);
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

  /** The fake's clock (ms): `Date` headers, rate-limit windows and every lastUpdated follow it. */
  now(): number {
    return this.clockStart + this.advanced + (this.options.frozenClock ? 0 : Date.now() - this.realStart);
  }

  advanceClock(ms: number): number {
    this.advanced += ms;
    return this.now();
  }

  /** How long after it is published a System Log event becomes visible (ms). */
  setLogDelay(ms: number): void {
    this.log.delayMs = ms;
  }

  setRateLimits(limits: Partial<RateLimits>): RateLimits {
    this.limits = { ...this.limits, ...limits };
    return this.limits;
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ ...rule, skip: rule.skip ?? 0, times: rule.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** The token stops working after `requests` more authenticated requests; null restores it. */
  revokeTokenAfter(requests: number | null): void {
    this.tokenUsesLeft = requests;
  }

  /** What the token's admin may read: a false family answers 403. */
  setPermissions(permissions: Partial<{ users: boolean; groups: boolean }>): void {
    this.permissions = { ...this.permissions, ...permissions };
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** How many access tokens `/oauth2/v1/token` issued since the fake started. */
  get accessTokensIssued(): number {
    return this.oauth.accessTokensIssued;
  }

  addServiceApp(app: FakeServiceApp) {
    return this.oauth.addServiceApp(app);
  }

  updateServiceApp(clientId: string, patch: ServiceAppPatch) {
    return this.oauth.updateServiceApp(clientId, patch);
  }

  /** Registers a public JWK with the app, as `POST /api/v1/apps/{appId}/credentials/jwks` does. */
  addServiceAppKey(clientId: string, jwk: unknown): Promise<RegisteredKey> {
    return this.oauth.addServiceAppKey(clientId, jwk);
  }

  removeServiceAppKey(clientId: string, kid: string): void {
    this.oauth.removeServiceAppKey(clientId, kid);
  }

  /** How long the access tokens issued from now on live (s; default 3600, as Okta's). */
  setAccessTokenTtl(seconds: number): void {
    this.oauth.setAccessTokenTtl(seconds);
  }

  /** Renews the DPoP nonce now (the previous one stays accepted until the next renewal). */
  rotateDpopNonce(): string {
    return this.oauth.rotateDpopNonce();
  }

  /** Turns hostile behaviours on or off (`{ emptyOrg: true }` empties the org on demand). */
  setHostile(hostility: Partial<Hostility>): Hostility {
    this.hostility = { ...this.hostility, ...hostility };
    return this.hostility;
  }

  /** Everything the admin API can call, by name. */
  private readonly commands: Record<string, (...args: never[]) => unknown> = {
    createUser: (profile: Record<string, unknown>, status?: string) =>
      this.directory.createUser(profile, status),
    updateUser: (id: string, profile: Record<string, unknown>) => this.directory.updateUser(id, profile),
    setUserStatus: (id: string, status: string) => this.directory.setUserStatus(id, status),
    deactivateUser: (id: string) => this.directory.deactivateUser(id),
    deleteUser: (id: string) => this.directory.deleteUser(id),
    createGroup: (name: string, description?: string | null) => this.directory.createGroup(name, description),
    renameGroup: (id: string, name: string, description?: string | null) =>
      this.directory.renameGroup(id, name, description),
    deleteGroup: (id: string) => this.directory.deleteGroup(id),
    addMember: (groupId: string, userId: string) => this.directory.addMember(groupId, userId),
    removeMember: (groupId: string, userId: string) => this.directory.removeMember(groupId, userId),
    setRateLimits: (limits: Partial<RateLimits>) => this.setRateLimits(limits),
    injectFault: (rule: FaultRule) => this.injectFault(rule),
    clearFaults: () => this.clearFaults(),
    revokeTokenAfter: (requests: number | null) => this.revokeTokenAfter(requests),
    setPermissions: (permissions: { users?: boolean; groups?: boolean }) => this.setPermissions(permissions),
    advanceClock: (ms: number) => this.advanceClock(ms),
    setLogDelay: (ms: number) => this.setLogDelay(ms),
    clearRequests: () => this.clearRequests(),
    setHostile: (hostility: Partial<Hostility>) => this.setHostile(hostility),
    addServiceApp: (app: FakeServiceApp) => this.addServiceApp(app),
    updateServiceApp: (clientId: string, patch: ServiceAppPatch) => this.updateServiceApp(clientId, patch),
    addServiceAppKey: (clientId: string, jwk: unknown) => this.addServiceAppKey(clientId, jwk),
    removeServiceAppKey: (clientId: string, kid: string) => this.removeServiceAppKey(clientId, kid),
    setAccessTokenTtl: (seconds: number) => this.setAccessTokenTtl(seconds),
    rotateDpopNonce: () => this.rotateDpopNonce(),
  };

  private async admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice("/__admin/".length);
    if (req.method === "GET" && name === "requests") return send(res, 200, this.requests);
    if (req.method === "GET" && name === "state") {
      return send(res, 200, {
        users: this.directory.users.length,
        groups: this.directory.groups.length,
        memberships: this.directory.membershipCount(),
        logEvents: this.log.size,
        now: iso(this.now()),
        limits: this.limits,
        hostile: this.hostility,
        serviceApps: this.oauth.serviceApps(),
        accessTokensIssued: this.accessTokensIssued,
      });
    }
    const command = this.commands[name];
    if (req.method !== "POST" || !command) return send(res, 404, { error: `No admin command ${name}` });
    const body = await readBody(req);
    try {
      const args: unknown = body.trim() ? JSON.parse(body) : [];
      if (!Array.isArray(args)) throw new Error("The body must be a JSON array of arguments");
      send(res, 200, { result: (await (command as (...a: unknown[]) => unknown)(...args)) ?? null });
    } catch (error) {
      send(res, error instanceof NotFoundError ? 404 : 400, { error: (error as Error).message });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    if (url.pathname.startsWith("/__admin/")) return this.admin(req, res, url);
    const method = req.method ?? "GET";
    const record: RequestRecord = {
      method,
      path: url.pathname,
      // A token request's query could only be a misplaced credential: never logged.
      query: url.pathname === TOKEN_PATH ? {} : Object.fromEntries(url.searchParams),
      at: this.now(),
    };
    this.requests.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on("close", () => {
      this.inFlight--;
      if (res.headersSent) record.status = res.statusCode;
    });
    res.setHeader("Date", new Date(this.now()).toUTCString());
    const context: RequestContext = {
      presented: presentedCredential(req, this.token),
      jwts: [...(req.headersDistinct.dpop ?? [])],
    };
    try {
      await this.answer(req, res, url, method, context);
    } catch (error) {
      if (!(error instanceof OktaFailure || error instanceof OAuthError)) throw error;
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      const oauthError = error instanceof OAuthError ? error.error : null;
      if (oauthError) {
        res.setHeader("Cache-Control", "no-store");
        res.setHeader("Pragma", "no-cache");
      }
      if (this.hostility.echoToken) return sendEcho(res, error.status, context.presented, url, oauthError);
      if (error instanceof OAuthError) {
        return send(res, error.status, { error: error.error, error_description: error.message });
      }
      send(res, error.status, {
        errorCode: error.errorCode,
        errorSummary: error.message,
        errorLink: error.errorCode,
        errorId: `oae${randomBytes(11).toString("base64url")}`,
        errorCauses: error.causes.map((errorSummary) => ({ errorSummary })),
      });
    } finally {
      // Before any later request is read: a retry of the same JWTs must find them used.
      this.oauth.burn(context.jwts);
    }
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    context: RequestContext,
  ): Promise<void> {
    if (url.pathname === TOKEN_PATH) return this.tokenEndpoint(req, res, url, method, context);
    const app = JWKS_PATH.exec(url.pathname)?.[1];
    if (method === "POST" && app) return this.registerKey(req, res, url, decodeURIComponent(app));
    if (method !== "GET") {
      res.setHeader("Allow", "GET");
      throw new OktaFailure(405, "E0000022", "The endpoint does not support the provided HTTP method");
    }
    const family = endpointFamily(url.pathname);
    this.spend(res, family);
    if (url.pathname === "/.well-known/okta-organization") {
      return send(res, 200, {
        id: this.orgId,
        pipeline: "idx",
        _links: { organization: { href: url.origin } },
        settings: { analyticsCollectionEnabled: false, bugReportingEnabled: true, omEnabled: false },
      });
    }
    await this.authorize(req, url, family);
    if (await this.strike(this.takeFault(url.pathname) ?? this.bigMemberPageFault(url), res, url, context)) {
      return;
    }
    if (this.hostility.emptyOrg && /^\/api\/v1\/(users|groups)$/.test(url.pathname)) {
      return page(res, url, { items: [], after: null }, String);
    }

    const withCredentials = !/omitCredentials/.test(String(req.headers["content-type"]));
    const members = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(url.pathname);
    try {
      if (url.pathname === "/api/v1/users") {
        const listing = this.directory.listUsers(
          this.filter(url, USER_FILTER),
          url.searchParams.get("after"),
          this.pageLimit(url, "users"),
        );
        return page(res, url, listing, (u) => oktaUserJson(u, url.origin, withCredentials));
      }
      if (url.pathname === "/api/v1/groups") {
        const listing = this.directory.listGroups(
          this.filter(url, GROUP_FILTER),
          url.searchParams.get("after"),
          this.pageLimit(url, "groups"),
        );
        const stats = url.searchParams.get("expand") === "stats";
        return page(res, url, listing, (g) =>
          JSON.stringify(oktaGroup(g, url.origin, stats ? this.directory : null)),
        );
      }
      if (url.pathname === "/api/v1/logs") {
        const query = parseLogQuery(url.searchParams, this.now());
        const listing = this.log.list({
          ...query,
          limit: Math.min(query.limit, this.options.maxPageSize?.logs ?? query.limit),
        });
        return page(res, url, listing, (event) => JSON.stringify(event));
      }
      if (members?.[1] && !this.hostility.emptyOrg) {
        const listing = this.directory.listMembers(
          decodeURIComponent(members[1]),
          url.searchParams.get("after"),
          this.pageLimit(url, "members"),
        );
        return page(res, url, listing, (u) => oktaUserJson(u, url.origin, withCredentials));
      }
    } catch (error) {
      if (error instanceof NotFoundError) throw new OktaFailure(404, "E0000007", error.message);
      if (error instanceof BadCursorError)
        throw new OktaFailure(400, "E0000001", `Api validation failed: after`);
      if (error instanceof LogQueryError)
        throw new OktaFailure(
          400,
          "E0000001",
          `Api validation failed: ${error.parameter} (${error.message})`,
        );
      throw error;
    }
    throw new OktaFailure(
      404,
      "E0000007",
      `Not found: Resource not found: ${url.pathname} (GenericResource)`,
    );
  }

  /**
   * `POST /oauth2/v1/token`, Okta's org authorization server: rate-limited and faulted like the
   * rest, its client assertion and DPoP proof echoed by a hostile fake and used up whatever the answer.
   */
  private async tokenEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    context: RequestContext,
  ): Promise<void> {
    if (method !== "POST") {
      res.setHeader("Allow", "POST");
      throw new OktaFailure(405, "E0000022", "The endpoint does not support the provided HTTP method");
    }
    const form = new URLSearchParams(await readBody(req));
    const assertion = form.get("client_assertion");
    const dpop = req.headersDistinct.dpop ?? [];
    if (assertion) context.jwts.push(assertion);
    const secrets = [assertion ?? "", ...dpop].filter(Boolean);
    if (secrets.length) context.presented = { scheme: "Bearer", secrets };
    this.spend(res, endpointFamily(url.pathname));
    if (await this.strike(this.takeFault(url.pathname), res, url, context)) return;
    const answer = await this.oauth.requestToken({
      contentType: req.headers["content-type"],
      form,
      search: url.search,
      authorization: req.headers.authorization !== undefined,
      dpop,
      endpoint: url.origin + url.pathname,
    });
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Pragma", "no-cache");
    send(res, 200, answer);
  }

  /** `POST /api/v1/apps/{appId}/credentials/jwks`: an admin registers a service app's public key. */
  private async registerKey(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    appId: string,
  ): Promise<void> {
    this.spend(res, endpointFamily(url.pathname));
    await this.authorize(req, url, "other", APPS_MANAGE_SCOPE);
    let jwk: unknown;
    try {
      jwk = JSON.parse(await readBody(req));
    } catch {
      throw new OktaFailure(400, "E0000003", "The request body was not well-formed.");
    }
    try {
      const key = await this.oauth.addServiceAppKey(appId, jwk);
      const href = `${url.origin}/api/v1/apps/${encodeURIComponent(appId)}/credentials/jwks/${key.id}`;
      send(res, 201, {
        ...key,
        _links: { deactivate: { href: `${href}/lifecycle/deactivate`, hints: { allow: ["POST"] } } },
      });
    } catch (error) {
      if (error instanceof NotFoundError) throw new OktaFailure(404, "E0000007", error.message);
      if (error instanceof KeyRejected) {
        throw new OktaFailure(400, "E0000001", "Api validation failed: JsonWebKey", {}, [error.message]);
      }
      throw error;
    }
  }

  /** Applies a fault: throws, or answers in the request's place (true), or only delays it (false). */
  private async strike(
    fault: Fault | undefined,
    res: ServerResponse,
    url: URL,
    context: RequestContext,
  ): Promise<boolean> {
    switch (fault?.kind) {
      case undefined:
        return false;
      case "hang":
        return true;
      case "delay":
        await delay(fault.ms);
        return false;
      case "status":
        throw new OktaFailure(fault.status, "E0000009", "Internal Server Error");
      case "malformed-json":
        send(res, 200, '[{"id":"00u', true);
        return true;
      case "wrong-shape":
        send(res, 200, { users: "not a list" });
        return true;
      case "redirect":
        if (this.hostility.echoToken) {
          sendEcho(res, 302, context.presented, url, null);
        } else {
          res.setHeader("Location", fault.location ?? `${url.origin}/login/default`);
          send(res, 302, {});
        }
        return true;
    }
  }

  /** Counts the request against its family's per-minute budget and sets Okta's rate-limit headers. */
  private spend(res: ServerResponse, family: string): void {
    const now = this.now();
    const limit = this.limits[family as keyof RateLimits] ?? this.limits.other;
    const far = this.hostility.rateLimitResetInMs;
    if (far !== null) {
      setRateHeaders(res, limit, 0, Math.ceil((now + far) / 1000));
      throw new OktaFailure(429, "E0000047", "API call exceeded rate limit due to too many requests.");
    }
    if (this.inFlight > this.limits.concurrency) {
      setRateHeaders(res, this.limits.concurrency, 0, Math.ceil(now / 1000) + 1);
      throw new OktaFailure(429, "E0000047", "API call exceeded rate limit due to too many requests.");
    }
    const span = this.options.rateLimitWindowMs ?? 60_000;
    const start = Math.floor(now / span) * span;
    let window = this.windows.get(family);
    if (window?.start !== start) {
      window = { start, used: 0 };
      this.windows.set(family, window);
    }
    const reset = Math.ceil((start + span) / 1000);
    if (window.used >= limit) {
      setRateHeaders(res, limit, 0, reset);
      throw new OktaFailure(429, "E0000047", "API call exceeded rate limit due to too many requests.");
    }
    window.used++;
    setRateHeaders(res, limit, limit - window.used, reset);
  }

  private pageLimit(url: URL, listing: keyof typeof PAGE_LIMITS): number {
    const [fallback, max] = PAGE_LIMITS[listing];
    return Math.min(pageLimit(url, [fallback, max]), this.options.maxPageSize?.[listing] ?? max);
  }

  /**
   * Checks the request's credential: the fake's API token (`SSWS`), or an access token of a service
   * app (`Bearer` or `DPoP`, then also its scope for the endpoint and the app's admin role).
   */
  private async authorize(
    req: IncomingMessage,
    url: URL,
    family: string,
    scope: ResourceScope | null = FAMILY_SCOPES[family] ?? null,
  ): Promise<void> {
    const header = req.headers.authorization ?? "";
    const bearer = /^(Bearer|DPoP) (.+)$/i.exec(header);
    let access: ResourceAccess | null = null;
    if (bearer?.[1] && bearer[2]) {
      access = await this.oauth.authenticateResourceRequest({
        scheme: bearer[1].toLowerCase() === "dpop" ? "DPoP" : "Bearer",
        accessToken: bearer[2],
        dpop: req.headersDistinct.dpop ?? [],
        method: req.method ?? "GET",
        url,
        scope,
      });
    } else if (header !== `SSWS ${this.token}`) {
      throw new OktaFailure(401, "E0000011", "Invalid token provided");
    }
    if (this.tokenUsesLeft !== null) {
      if (this.tokenUsesLeft <= 0)
        throw access?.revoked ?? new OktaFailure(401, "E0000011", "Invalid token provided");
      this.tokenUsesLeft--;
    }
    access?.authorize();
    if (
      this.permissions[family as "users" | "groups"] === false ||
      (family === "logs" && this.hostility.logsForbidden)
    ) {
      throw new OktaFailure(403, "E0000006", "You do not have permission to perform the requested action");
    }
  }

  /** The hostile fault of a big member page (`bigMemberPageFault`), if this is one. */
  private bigMemberPageFault(url: URL): Fault | undefined {
    const fault = this.hostility.bigMemberPageFault;
    if (!fault || !/^\/api\/v1\/groups\/[^/]+\/users$/.test(url.pathname)) return undefined;
    const limit = Number(url.searchParams.get("limit") ?? PAGE_LIMITS.members[0]);
    return limit > SMALL_MEMBER_PAGE ? fault : undefined;
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

  private filter(url: URL, attributes: Record<string, boolean>) {
    const text = url.searchParams.get("filter");
    try {
      return text === null ? null : parseFilter(text, attributes);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      throw new OktaFailure(400, "E0000001", `Api validation failed: filter (${error.message})`);
    }
  }
}

export async function startFakeOkta(options: FakeOktaOptions = {}): Promise<FakeOkta> {
  return new FakeOkta(options).listen();
}

function send(res: ServerResponse, status: number, body: unknown, raw = false): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(raw ? String(body) : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

/** The credential a hostile server echoes: the token the request carried, else the fake's own. */
function presentedCredential(req: IncomingMessage, own: string): Presented {
  const [, scheme, token] = /^(SSWS|Bearer|DPoP) (.+)$/i.exec(req.headers.authorization ?? "") ?? [];
  return scheme && token ? { scheme, secrets: [token] } : { scheme: "SSWS", secrets: [own] };
}

/** A secret in each encoding a careless client might leak it in. */
function echoForms(secret: string, scheme: string): string[] {
  return [
    secret,
    `${scheme} ${secret}`,
    encodeURIComponent(secret),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
    // The secret inside a longer base64 text, at another alignment.
    Buffer.from(`user:${secret}`).toString("base64"),
  ];
}

/** The size echo headers stay within: clients refuse answers with more than 16 KiB of headers. */
const ECHO_HEADERS_BUDGET = 12_000;

/**
 * An error (or redirect) whose every field and several headers carry the credential, in each
 * encoding; an OAuth error (`oauthError`) also in `error_description`. The headers carry the first
 * secret in every form (the others raw), the body every secret in every form.
 */
function sendEcho(
  res: ServerResponse,
  status: number,
  { scheme, secrets }: Presented,
  url: URL,
  oauthError: string | null,
): void {
  const [first = "", ...others] = secrets;
  const firstForms = echoForms(first, scheme);
  const forms = secrets.flatMap((secret) => echoForms(secret, scheme));
  const all = forms.join(" ");
  const headers = {
    Location: `${url.origin}/login?token=${encodeURIComponent(first)}&b=${firstForms[3]}`,
    "WWW-Authenticate": `${scheme} realm="${first}", error_description="${[first, ...others].join(" ")}"`,
    "X-Echo": firstForms.map((f) => f.replace(/[^\x21-\x7e]/g, "")).join(","),
  };
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  const used = Object.values(headers).reduce((sum, value) => sum + value.length, 0);
  const padding = Math.max(0, Math.min(6000, ECHO_HEADERS_BUDGET - used));
  res.setHeader(
    "X-Padding",
    `${firstForms[4]}.`.repeat(Math.ceil(padding / (first.length + 8))).slice(0, padding),
  );
  send(res, status, {
    ...(oauthError ? { error: oauthError, error_description: `Invalid credentials: ${all}` } : {}),
    errorCode: all,
    errorSummary: `Invalid token: ${all}`,
    errorLink: `${url.origin}/?t=${encodeURIComponent(first)}`,
    errorId: all,
    errorCauses: forms.map((form) => ({ errorSummary: form })),
  });
}

function setRateHeaders(res: ServerResponse, limit: number, remaining: number, reset: number): void {
  res.setHeader("X-Rate-Limit-Limit", String(limit));
  res.setHeader("X-Rate-Limit-Remaining", String(remaining));
  res.setHeader("X-Rate-Limit-Reset", String(reset));
}

function pageLimit(url: URL, [fallback, max]: readonly [number, number]): number {
  const text = url.searchParams.get("limit");
  if (text === null) return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1)
    throw new OktaFailure(400, "E0000001", "Api validation failed: limit");
  return Math.min(limit, max);
}

/** One page, with Okta's absolute `Link` headers: `self`, and `next` unless it is the last. */
/** A page of a listing; `render` gives each item's JSON. */
function page<T>(res: ServerResponse, url: URL, listing: Listing<T>, render: (item: T) => string): void {
  const links = [`<${url.href}>; rel="self"`];
  if (listing.after) {
    const next = new URL(url);
    next.searchParams.set("after", listing.after);
    links.push(`<${next.href}>; rel="next"`);
  }
  res.setHeader("Link", links);
  send(res, 200, `[${listing.items.map(render).join(",")}]`, true);
}

/**
 * Users' JSON, kept until one of the user's fields changes (a profile change replaces the profile
 * object): Okta's servers, not the machine running the sync, pay for it; a benchmark would
 * otherwise time the fake's serialisation of 100,000 users a run.
 */
const userJson = new WeakMap<
  FakeUser,
  { as: FakeUser; origin: string; withCredentials: boolean; json: string }
>();

function oktaUserJson(user: FakeUser, origin: string, withCredentials: boolean): string {
  const cached = userJson.get(user);
  if (
    cached &&
    cached.origin === origin &&
    cached.withCredentials === withCredentials &&
    (Object.keys(user) as (keyof FakeUser)[]).every((field) => cached.as[field] === user[field])
  ) {
    return cached.json;
  }
  const json = JSON.stringify(oktaUser(user, origin, withCredentials));
  userJson.set(user, { as: { ...user }, origin, withCredentials, json });
  return json;
}

function oktaUser(user: FakeUser, origin: string, withCredentials: boolean) {
  return {
    id: user.id,
    status: user.status,
    created: iso(user.created),
    activated: iso(user.activated),
    statusChanged: iso(user.statusChanged),
    lastLogin: iso(user.lastLogin),
    lastUpdated: iso(user.lastUpdated),
    passwordChanged: iso(user.passwordChanged),
    type: { id: "oty1fakeDefaultType0" },
    profile: user.profile,
    ...(withCredentials ? { credentials: { password: {}, provider: { type: "OKTA", name: "OKTA" } } } : {}),
    _links: { self: { href: `${origin}/api/v1/users/${user.id}` } },
  };
}

function oktaGroup(group: FakeGroup, origin: string, stats: Directory | null) {
  const href = `${origin}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: iso(group.created),
    lastUpdated: iso(group.lastUpdated),
    lastMembershipUpdated: iso(group.lastMembershipUpdated),
    objectClass: [group.type === "APP_GROUP" ? "okta:windows_security_principal" : "okta:user_group"],
    type: group.type,
    profile: { name: group.name, ...(group.description === null ? {} : { description: group.description }) },
    ...(stats ? { _embedded: { stats: { usersCount: group.members?.length ?? stats.users.length } } } : {}),
    _links: { users: { href: `${href}/users` }, apps: { href: `${href}/apps` } },
  };
}
