import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { checkClientAssertion, publicCertificate } from "./assertion";
import {
  DELTA_PAGE_SIZE,
  type DeltaKind,
  type DeltaState,
  DeltaStateError,
  deltaPage,
  type Round,
  StateTokens,
} from "./delta";
import {
  BadRequestError,
  Directory,
  type FakeGroup,
  type FakeUser,
  firstAfter,
  type GroupInput,
  NotFoundError,
  type UserInput,
} from "./directory";
import { type GenerateOptions, generateDirectory, guidMaker, random } from "./generate";

/**
 * A stateful fake of Microsoft Entra ID for tests and the demo: the Microsoft identity platform's
 * client-credentials token endpoint (`POST /{tenant}/oauth2/v2.0/token`, with a client secret or a
 * certificate's client assertion) and the Microsoft Graph v1.0 listings a sync reads (users,
 * groups, a group's transitive user members and ancestor groups, delta queries on users and
 * groups), with Graph's paging (`$top`, `@odata.nextLink` with an opaque `$skiptoken`), `$select`, error bodies, per-app
 * throttling (429 with `Retry-After`), faults on command, and an admin API to change the tenant
 * between syncs (`/__admin/<command>`). Both services answer on the fake's one origin.
 */

/** An app registration of the tenant, with its client secrets and certificates and the application permissions consented. */
export interface FakeApp {
  clientId: string;
  secrets: { value: string /** ms on the fake's clock; null: never. */; expiresAt: number | null }[];
  /** Certificates uploaded (PEM, public part only), valid within their own dates. */
  certificates?: string[];
  /** Application permissions with admin consent, e.g. `User.Read.All`. */
  permissions: string[];
}

export type Fault =
  /** An error status in Graph's format (or the identity platform's on the token endpoint), with `Retry-After` seconds if given. */
  | { kind: "status"; status: number; retryAfter?: number }
  | { kind: "delay"; ms: number }
  /** Never answers (until the client gives up or the fake closes). */
  | { kind: "hang" }
  | { kind: "malformed-json" }
  | { kind: "wrong-shape" }
  | { kind: "redirect"; location?: string };

export interface FaultRule {
  fault: Fault;
  /** Only requests whose path starts with this. */
  path?: string;
  /** Matching requests let through before the fault strikes. */
  skip?: number;
  /** How many matching requests it strikes (default 1). */
  times?: number;
}

/** Graph's throttling of one app: at most `requests` a window of `windowMs`; 429 with `Retry-After` beyond. */
export interface Throttle {
  requests: number;
  windowMs: number;
}

export interface Hostility {
  /**
   * Every error answer echoes each credential the request carried (client secret and client id
   * on the token endpoint, the access token on Graph; without one, the default app's secret) in
   * every field of its error body and in `WWW-Authenticate`, `Location` and a custom header: raw,
   * URL-encoded, base64, base64url and inside a longer base64 text.
   */
  echoSecrets: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Empty for the token endpoint (a query there could only be a misplaced credential). */
  query: Record<string, string>;
  at: number;
  status?: number;
}

export interface FakeEntraOptions extends GenerateOptions {
  port?: number;
  host?: string;
  /** The tenant's id (default: a GUID from the seed); `domain` is its verified domain. */
  tenantId?: string;
  /** The apps (default: one, `DEFAULT_PERMISSIONS` consented, its secret valid for two years). */
  apps?: FakeApp[];
  /** The most items a page holds, below `$top` (Graph may answer fewer than asked). */
  maxPageSize?: number;
  throttle?: Throttle | null;
  /** Where the fake's clock starts (default: now). */
  startAt?: Date;
  /** The clock moves only by `advanceClock`. */
  frozenClock?: boolean;
  /** Lifetime of the access tokens issued (s; default 3599, as Entra's). */
  accessTokenTtlS?: number;
  hostile?: Partial<Hostility>;
}

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const DEFAULT_PERMISSIONS = ["User.Read.All", "GroupMember.Read.All"];
/** Graph's default and maximum `$top` for users and groups. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const MEMBERS_PATH = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/;
const MEMBER_OF_PATH = /^\/v1\.0\/groups\/([^/]+)\/transitiveMemberOf\/microsoft\.graph\.group$/;
/** `/delta` is short for `/microsoft.graph.delta`, which Graph's SDKs call. */
const DELTA_PATH = /^\/v1\.0\/(users|groups)\/(?:microsoft\.graph\.)?delta$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const USER_PROPERTIES = [
  "id",
  "displayName",
  "givenName",
  "surname",
  "mail",
  "userPrincipalName",
  "accountEnabled",
  "createdDateTime",
  "jobTitle",
  "department",
] as const;
/** What Graph returns for a user without `$select`. */
const USER_DEFAULT = ["id", "displayName", "givenName", "surname", "mail", "userPrincipalName", "jobTitle"];
const GROUP_PROPERTIES = [
  "id",
  "displayName",
  "description",
  "groupTypes",
  "securityEnabled",
  "mailEnabled",
  "mail",
  "createdDateTime",
] as const;
/** Who may read what: any one of the permissions. */
const READ_PERMISSIONS = {
  users: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All"],
  groups: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
};

/** An error answered in Graph's format (`{ error: { code, message, innerError } }`). */
class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** An error answered in the identity platform's format (`error`, `error_description` with an AADSTS code, `error_codes`). */
class IdentityFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    message: string,
  ) {
    super(message);
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export class FakeEntra {
  readonly directory: Directory;
  readonly tenantId: string;
  readonly domain: string;
  /** The request log: never a request's headers or body. */
  readonly requests: RequestRecord[] = [];
  /** The most Graph and token requests ever in flight at once. */
  maxInFlight = 0;
  url = "";
  private inFlight = 0;
  private readonly apps = new Map<string, FakeApp>();
  /** Access tokens issued: the app and when each expires. */
  private readonly accessTokens = new Map<string, { clientId: string; expiresAt: number }>();
  /** Client assertions' `jti`s used, until their assertion expires. */
  private readonly usedJtis = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; used: number }>();
  private faults: (FaultRule & { skip: number; times: number })[] = [];
  private throttle: Throttle | null;
  private hostility: Hostility;
  private accessTokenTtlS: number;
  private issued = 0;
  private advanced = 0;
  private readonly clockStart: number;
  private readonly realStart = Date.now();
  private readonly stateTokens = new StateTokens(() => this.now());
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: "generalException", message: String(error) } });
    });
  });

  constructor(private readonly options: FakeEntraOptions = {}) {
    this.clockStart = options.startAt?.getTime() ?? Date.now();
    const next = random((options.seed ?? 1) ^ 0x5eed);
    const newGuid = guidMaker(next);
    this.tenantId = options.tenantId ?? newGuid();
    this.domain = (options.domain ?? "contoso.onmicrosoft.com").toLowerCase();
    this.throttle = options.throttle ?? null;
    this.hostility = { echoSecrets: false, ...options.hostile };
    this.accessTokenTtlS = options.accessTokenTtlS ?? 3599;
    const apps = options.apps ?? [
      {
        clientId: newGuid(),
        // Like a secret Entra generates: 40 characters, `~` and `.` among them.
        secrets: [{ value: secretFrom(next), expiresAt: this.clockStart + 730 * 86_400_000 }],
        permissions: [...DEFAULT_PERMISSIONS],
      },
    ];
    for (const app of apps) this.addApp(app);
    const data = generateDirectory({ ...options, domain: this.domain });
    this.directory = new Directory(() => this.now(), data.newId);
    this.directory.load(data.users, data.groups);
  }

  /** The first app (the default one): its client id and first secret. */
  get app(): FakeApp {
    return this.apps.values().next().value as FakeApp;
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

  now(): number {
    return this.clockStart + this.advanced + (this.options.frozenClock ? 0 : Date.now() - this.realStart);
  }

  advanceClock(ms: number): number {
    this.advanced += ms;
    return this.now();
  }

  addApp(app: FakeApp): FakeApp {
    // Entra compares GUIDs whatever their case.
    this.apps.set(app.clientId.toLowerCase(), structuredClone(app));
    return app;
  }

  /** Uploads a certificate (its public part) to an app, as Certificates & secrets > Upload certificate does. */
  addCertificate(clientId: string, pem: string): { thumbprint: string } {
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) throw new NotFoundError(`No app ${clientId}`);
    const certificate = publicCertificate(pem);
    app.certificates = [...(app.certificates ?? []), certificate.pem];
    return { thumbprint: certificate.thumbprint };
  }

  /** Changes an app's secrets, certificates or consented permissions. */
  updateApp(clientId: string, patch: Partial<Omit<FakeApp, "clientId">>): FakeApp {
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) throw new NotFoundError(`No app ${clientId}`);
    Object.assign(app, structuredClone(patch));
    return app;
  }

  /** Every access token issued so far stops working (401 until the app asks for a new one). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** How many access tokens the token endpoint issued. */
  get accessTokensIssued(): number {
    return this.issued;
  }

  setThrottle(throttle: Throttle | null): void {
    this.throttle = throttle;
    this.windows.clear();
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ ...rule, skip: rule.skip ?? 0, times: rule.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  setHostile(hostility: Partial<Hostility>): Hostility {
    this.hostility = { ...this.hostility, ...hostility };
    return this.hostility;
  }

  /** Every delta token and skip token issued so far is refused with `resyncRequired` (a full sync is due). */
  forgetDeltaState(): void {
    this.stateTokens.forget();
  }

  /** Everything the admin API can call, by name. */
  private readonly commands: Record<string, (...args: never[]) => unknown> = {
    createUser: (input: UserInput) => this.directory.createUser(input),
    updateUser: (id: string, patch: Partial<FakeUser>) => this.directory.updateUser(id, patch),
    deleteUser: (id: string, permanently?: boolean) => this.directory.deleteUser(id, permanently),
    createGroup: (input: GroupInput) => groupJson(this.directory.createGroup(input)),
    updateGroup: (id: string, patch: Partial<GroupInput>) => groupJson(this.directory.updateGroup(id, patch)),
    deleteGroup: (id: string, permanently?: boolean) => this.directory.deleteGroup(id, permanently),
    addMember: (groupId: string, memberId: string) => this.directory.addMember(groupId, memberId),
    removeMember: (groupId: string, memberId: string) => this.directory.removeMember(groupId, memberId),
    addApp: (app: FakeApp) => this.addApp(app),
    addCertificate: (clientId: string, pem: string) => this.addCertificate(clientId, pem),
    updateApp: (clientId: string, patch: Partial<FakeApp>) => this.updateApp(clientId, patch),
    revokeAccessTokens: () => this.revokeAccessTokens(),
    setThrottle: (throttle: Throttle | null) => this.setThrottle(throttle),
    injectFault: (rule: FaultRule) => this.injectFault(rule),
    clearFaults: () => this.clearFaults(),
    advanceClock: (ms: number) => this.advanceClock(ms),
    clearRequests: () => this.clearRequests(),
    setHostile: (hostility: Partial<Hostility>) => this.setHostile(hostility),
    forgetDeltaState: () => this.forgetDeltaState(),
  };

  private async admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice("/__admin/".length);
    if (req.method === "GET" && name === "requests") return sendJson(res, 200, this.requests);
    if (req.method === "GET" && name === "state") {
      return sendJson(res, 200, {
        tenantId: this.tenantId,
        domain: this.domain,
        users: this.directory.users.length,
        groups: this.directory.groups.length,
        memberships: this.directory.membershipCount(),
        apps: [...this.apps.values()].map(({ clientId, permissions }) => ({ clientId, permissions })),
        throttle: this.throttle,
        hostile: this.hostility,
        accessTokensIssued: this.issued,
        now: iso(this.now()),
      });
    }
    const command = this.commands[name];
    if (req.method !== "POST" || !command) return sendJson(res, 404, { error: `No admin command ${name}` });
    try {
      const body = await readBody(req);
      const args: unknown = body.trim() ? JSON.parse(body) : [];
      if (!Array.isArray(args)) throw new Error("The body must be a JSON array of arguments");
      sendJson(res, 200, { result: (await (command as (...a: unknown[]) => unknown)(...args)) ?? null });
    } catch (error) {
      sendJson(res, error instanceof NotFoundError ? 404 : 400, { error: (error as Error).message });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    if (url.pathname.startsWith("/__admin/")) return this.admin(req, res, url);
    const method = req.method ?? "GET";
    const tokenRequest = TOKEN_PATH.test(url.pathname);
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: tokenRequest ? {} : Object.fromEntries(url.searchParams),
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
    const presented: string[] = [];
    try {
      if (tokenRequest) await this.tokenEndpoint(req, res, url, method, presented);
      else await this.graph(req, res, url, method, presented);
    } catch (error) {
      if (!(error instanceof GraphFailure || error instanceof IdentityFailure)) throw error;
      const secrets = presented.length ? presented : [this.app.secrets[0]?.value ?? ""];
      if (error instanceof IdentityFailure) return this.sendIdentityError(res, error, secrets);
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      return this.sendGraphError(res, error, secrets);
    }
  }

  /** `POST /{tenant}/oauth2/v2.0/token`: the client credentials grant with a client secret or a client assertion. */
  private async tokenEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    presented: string[],
  ): Promise<void> {
    const tenant = decodeURIComponent(TOKEN_PATH.exec(url.pathname)?.[1] ?? "");
    const body = method === "POST" ? await readBody(req) : "";
    const form = new URLSearchParams(body);
    for (const name of ["client_secret", "client_assertion", "client_id"]) {
      const value = form.get(name);
      if (value) presented.push(value);
    }
    if (await this.strike(url, res, presented)) return;
    if (method !== "POST") {
      throw new IdentityFailure(400, "invalid_request", 900561, "The endpoint only accepts POST requests.");
    }
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) {
      throw new IdentityFailure(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    }
    if (!GUID.test(tenant) && !DNS_NAME.test(tenant)) {
      throw new IdentityFailure(
        400,
        "invalid_tenant",
        900023,
        `Specified tenant identifier '${tenant}' is neither a valid DNS name, nor a valid external domain.`,
      );
    }
    if (tenant.toLowerCase() !== this.tenantId && tenant.toLowerCase() !== this.domain) {
      throw new IdentityFailure(
        400,
        "invalid_tenant",
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    for (const name of ["grant_type", "client_id", "scope"]) {
      if (!form.get(name)) {
        throw new IdentityFailure(
          400,
          "invalid_request",
          900144,
          `The request body must contain the following parameter: '${name}'.`,
        );
      }
    }
    const assertion = form.get("client_assertion");
    if (!form.get("client_secret") && !assertion) {
      throw new IdentityFailure(
        400,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    if (assertion && form.get("client_assertion_type") !== ASSERTION_TYPE) {
      throw new IdentityFailure(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'client_assertion_type'.",
      );
    }
    if (form.get("grant_type") !== "client_credentials") {
      throw new IdentityFailure(
        400,
        "unsupported_grant_type",
        70003,
        "The app requested an unsupported grant type.",
      );
    }
    const clientId = form.get("client_id") as string;
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) {
      throw new IdentityFailure(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    if (form.get("scope") !== GRAPH_SCOPE) {
      throw new IdentityFailure(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${form.get("scope")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    if (assertion) {
      const refusal = checkClientAssertion({
        assertion,
        clientId: app.clientId.toLowerCase(),
        certificates: app.certificates ?? [],
        // The tenant as the token endpoint's path may name it.
        audiences: [this.tenantId, this.domain].map((t) =>
          `${this.url}/${t}/oauth2/v2.0/token`.toLowerCase(),
        ),
        now: this.now(),
        usedJtis: this.usedJtis,
      });
      if (refusal) throw new IdentityFailure(refusal.status, refusal.error, refusal.aadsts, refusal.message);
      return this.issueToken(res, app);
    }
    const secret = app.secrets.find((s) => s.value === form.get("client_secret"));
    if (!secret) {
      throw new IdentityFailure(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    if (secret.expiresAt !== null && secret.expiresAt <= this.now()) {
      throw new IdentityFailure(
        401,
        "invalid_client",
        7000222,
        `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      );
    }
    this.issueToken(res, app);
  }

  private issueToken(res: ServerResponse, app: FakeApp): void {
    const accessToken = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(48).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
    this.accessTokens.set(accessToken, {
      clientId: app.clientId,
      expiresAt: this.now() + this.accessTokenTtlS * 1000,
    });
    this.issued++;
    res.setHeader("Cache-Control", "no-store, no-cache");
    res.setHeader("Pragma", "no-cache");
    sendJson(res, 200, {
      token_type: "Bearer",
      expires_in: this.accessTokenTtlS,
      ext_expires_in: this.accessTokenTtlS,
      access_token: accessToken,
    });
  }

  private async graph(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    presented: string[],
  ): Promise<void> {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (bearer) presented.push(bearer);
    if (method !== "GET") {
      throw new GraphFailure(
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
      );
    }
    const challenge = {
      "WWW-Authenticate": `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
    };
    if (!bearer)
      throw new GraphFailure(401, "InvalidAuthenticationToken", "Access token is empty.", challenge);
    const token = this.accessTokens.get(bearer);
    if (!token) {
      throw new GraphFailure(
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
        challenge,
      );
    }
    if (token.expiresAt <= this.now()) {
      throw new GraphFailure(
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
        challenge,
      );
    }
    this.spend(token.clientId);
    if (await this.strike(url, res, presented)) return;
    const app = this.apps.get(token.clientId.toLowerCase());
    const may = (family: keyof typeof READ_PERMISSIONS) =>
      READ_PERMISSIONS[family].some((permission) => app?.permissions.includes(permission));
    const denied = () =>
      new GraphFailure(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    const members = MEMBERS_PATH.exec(url.pathname);
    const memberOf = MEMBER_OF_PATH.exec(url.pathname);
    const delta = DELTA_PATH.exec(url.pathname)?.[1] as DeltaKind | undefined;
    const origin = url.origin;
    try {
      if (delta) {
        if (!may(delta)) throw denied();
        return this.delta(res, url, delta);
      }
      if (url.pathname === "/v1.0/users") {
        if (!may("users")) throw denied();
        const query = this.query(url, USER_PROPERTIES, "users");
        const page = this.page(this.directory.users, query, "users");
        return sendCollection(res, origin, url, query.select, "users", page, (u) =>
          userJson(u, query.select ?? USER_DEFAULT),
        );
      }
      if (url.pathname === "/v1.0/groups") {
        if (!may("groups")) throw denied();
        const query = this.query(url, GROUP_PROPERTIES, "groups");
        const page = this.page(this.directory.groups, query, "groups");
        return sendCollection(res, origin, url, query.select, "groups", page, (g) =>
          pick(groupJson(g), query.select ?? GROUP_PROPERTIES),
        );
      }
      if (members?.[1]) {
        if (!may("groups")) throw denied();
        const groupId = decodeURIComponent(members[1]);
        const query = this.query(url, USER_PROPERTIES, `members:${groupId}`);
        const ids = this.directory.transitiveUsers(groupId);
        const page = this.page(ids, query, `members:${groupId}`);
        return sendCollection(res, origin, url, query.select, "users", page, (id) =>
          userJson(this.directory.user(id), query.select ?? USER_DEFAULT),
        );
      }
      if (memberOf?.[1]) {
        if (!may("groups")) throw denied();
        const groupId = decodeURIComponent(memberOf[1]);
        const listing = `groups-containing:${groupId}`;
        const query = this.query(url, GROUP_PROPERTIES, listing);
        const page = this.page(this.directory.ancestorGroups(groupId), query, listing);
        return sendCollection(res, origin, url, query.select, "groups", page, (id) =>
          pick(groupJson(this.directory.group(id)), query.select ?? GROUP_PROPERTIES),
        );
      }
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new GraphFailure(404, "Request_ResourceNotFound", error.message);
      if (error instanceof BadRequestError) throw new GraphFailure(400, "Request_BadRequest", error.message);
      throw error;
    }
    const segment = url.pathname.split("/").filter(Boolean).at(-1) ?? "";
    throw new GraphFailure(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
  }

  /** `$select`, `$top` and `$skiptoken`, checked as Graph does; other system query options refused. */
  private query(url: URL, properties: readonly string[], listing: string) {
    for (const name of url.searchParams.keys()) {
      if (name.startsWith("$") && !["$select", "$top", "$skiptoken"].includes(name)) {
        throw new BadRequestError(`Query option '${name}' is not allowed.`);
      }
    }
    const select = parseSelect(
      url.searchParams.get("$select"),
      properties,
      listing.startsWith("groups") ? "group" : "user",
    );
    const topText = url.searchParams.get("$top");
    const top = topText === null ? DEFAULT_PAGE_SIZE : Number(topText);
    if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
      throw new BadRequestError(
        `Invalid page size specified: '${topText}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
      );
    }
    const skiptoken = url.searchParams.get("$skiptoken");
    let after: string | null = null;
    if (skiptoken !== null) {
      const [kind, id] = Buffer.from(skiptoken, "base64url").toString("utf8").split("\n");
      if (kind !== listing || !id) {
        throw new GraphFailure(
          400,
          "Directory_ExpiredPageToken",
          "The specified page token value has expired and can no longer be included in your request.",
        );
      }
      after = id;
    }
    return { select, top: Math.min(top, this.options.maxPageSize ?? top), after, listing };
  }

  /**
   * A page of a delta round (`GET /users/delta`, `/groups/delta`): the initial request (with
   * `$select`, or `$deltatoken=latest` for a round from now), a `@odata.nextLink`'s `$skiptoken`
   * or a `@odata.deltaLink`'s `$deltatoken`. Tokens carry the round's `$select`; any other query
   * option is refused, as Graph refuses `$top`, `$orderby` and `$expand` on these. A token
   * expired, unknown or forgotten answers 410 Gone with the initial request's URL in `Location`.
   */
  private delta(res: ServerResponse, url: URL, kind: DeltaKind): void {
    // Graph reads `$deltaToken` and `$skipToken` as well (its own docs write both).
    const options = new Map([...url.searchParams].map(([name, value]) => [name.toLowerCase(), value]));
    const skiptoken = options.get("$skiptoken");
    const deltatoken = options.get("$deltatoken");
    const selectText = options.get("$select");
    const latest = deltatoken?.toLowerCase() === "latest";
    const unsupported =
      [...options.keys()].some(
        (name) => name.startsWith("$") && !["$select", "$skiptoken", "$deltatoken"].includes(name),
      ) ||
      (skiptoken !== undefined && deltatoken !== undefined) ||
      (((deltatoken !== undefined && !latest) || skiptoken !== undefined) && selectText !== undefined);
    if (unsupported) throw new GraphFailure(400, "Request_UnsupportedQuery", "Unsupported Query.");
    const base = `${url.origin}${url.pathname}`;
    const end = this.directory.journal.length;
    let round: Round;
    try {
      if (skiptoken !== undefined) round = this.stateTokens.read(skiptoken, "skip", kind);
      else if (deltatoken !== undefined && !latest) {
        const { select, since } = this.stateTokens.read(deltatoken, "delta", kind);
        round = { kind, select, since, initial: false, upto: end, after: since };
      } else {
        const properties = kind === "users" ? USER_PROPERTIES : [...GROUP_PROPERTIES, "members"];
        const select = parseSelect(selectText ?? null, properties, kind === "users" ? "user" : "group");
        if (latest) {
          this.sendDeltaPage(res, url, { kind, select, since: end }, [], null);
          return;
        }
        round = { kind, select, since: end, initial: true, after: null };
      }
    } catch (error) {
      if (!(error instanceof DeltaStateError)) throw error;
      const select = error.select ? `?$select=${error.select.join(",")}` : "";
      throw new GraphFailure(410, error.code, error.message, { Location: `${base}${select}` });
    }
    const render = (id: string): Record<string, unknown> => {
      const select = round.select && ["id", ...round.select.filter((p) => p !== "id" && p !== "members")];
      return kind === "users"
        ? userJson(this.directory.user(id), select ?? USER_DEFAULT)
        : pick(groupJson(this.directory.group(id)), select ?? GROUP_PROPERTIES);
    };
    const size = Math.min(DELTA_PAGE_SIZE, this.options.maxPageSize ?? DELTA_PAGE_SIZE);
    const page = deltaPage(this.directory, round, size, render);
    const since = round.initial ? round.since : round.upto;
    this.sendDeltaPage(res, url, { kind, select: round.select, since }, page.items, page.next);
  }

  /** A delta page: a `@odata.nextLink` while the round goes on, else the `@odata.deltaLink` of the next. */
  private sendDeltaPage(
    res: ServerResponse,
    url: URL,
    state: DeltaState,
    items: Record<string, unknown>[],
    next: Round | null,
  ): void {
    const base = `${url.origin}${url.pathname}`;
    const link = next
      ? { "@odata.nextLink": `${base}?$skiptoken=${this.stateTokens.issue({ type: "skip", ...next })}` }
      : { "@odata.deltaLink": `${base}?$deltatoken=${this.stateTokens.issue({ type: "delta", ...state })}` };
    sendJson(res, 200, {
      "@odata.context": `${url.origin}/v1.0/$metadata#${state.kind}${state.select ? `(${state.select.join(",")})` : ""}`,
      ...link,
      value: items,
    });
  }

  /** A page of `sorted` after the cursor; the `$skiptoken` of the next, if more remain. */
  private page<T extends string | { id: string }>(
    sorted: readonly T[],
    query: { top: number; after: string | null },
    listing: string,
  ): { items: T[]; skiptoken: string | null } {
    const start = query.after === null ? 0 : firstAfter(sorted as readonly string[], query.after);
    const items = sorted.slice(start, start + query.top);
    const last = items.at(-1);
    const lastId = typeof last === "string" ? last : last?.id;
    const more = start + items.length < sorted.length && lastId !== undefined;
    return {
      items,
      // Opaque to the client; an `RFNwd` prefix as Graph's tokens have.
      skiptoken: more ? Buffer.from(`${listing}\n${lastId}`).toString("base64url") : null,
    };
  }

  /** Counts the request against its app's window: 429 with `Retry-After` when it is spent. */
  private spend(clientId: string): void {
    if (!this.throttle) return;
    const { requests, windowMs } = this.throttle;
    const now = this.now();
    const start = Math.floor(now / windowMs) * windowMs;
    let window = this.windows.get(clientId);
    if (window?.start !== start) {
      window = { start, used: 0 };
      this.windows.set(clientId, window);
    }
    if (window.used >= requests) {
      throw new GraphFailure(
        429,
        "TooManyRequests",
        "Too many requests are being made to this resource. Please try again later.",
        { "Retry-After": String(Math.max(1, Math.ceil((start + windowMs - now) / 1000))) },
      );
    }
    window.used++;
  }

  /** Applies a fault: throws, answers in the request's place (true), or only delays it (false). */
  private async strike(url: URL, res: ServerResponse, presented: string[]): Promise<boolean> {
    const rule = this.faults.find((r) => !r.path || url.pathname.startsWith(r.path));
    if (!rule) return false;
    if (rule.skip > 0) {
      rule.skip--;
      return false;
    }
    if (--rule.times <= 0) this.faults.splice(this.faults.indexOf(rule), 1);
    const { fault } = rule;
    switch (fault.kind) {
      case "hang":
        return true;
      case "delay":
        await delay(fault.ms);
        return false;
      case "status": {
        const headers: Record<string, string> =
          fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) };
        if (TOKEN_PATH.test(url.pathname) && fault.status < 500 && fault.status !== 429) {
          throw new IdentityFailure(fault.status, "invalid_request", 90000, "Injected fault.");
        }
        const [code, message] =
          fault.status === 429
            ? [
                "TooManyRequests",
                "Too many requests are being made to this resource. Please try again later.",
              ]
            : fault.status >= 500
              ? ["serviceNotAvailable", "The service is temporarily unavailable. Please retry later."]
              : ["BadRequest", "Injected fault."];
        throw new GraphFailure(fault.status, code, message, headers);
      }
      case "malformed-json":
        sendRaw(res, 200, '{"value":[{"id":"');
        return true;
      case "wrong-shape":
        sendJson(res, 200, { value: "not a list" });
        return true;
      case "redirect":
        res.setHeader(
          "Location",
          this.hostility.echoSecrets
            ? `${url.origin}/login?secret=${encodeURIComponent(presented[0] ?? "")}`
            : (fault.location ?? "https://login.microsoftonline.com/"),
        );
        sendRaw(res, 302, "");
        return true;
    }
  }

  private sendGraphError(res: ServerResponse, error: GraphFailure, secrets: string[]): void {
    const innerError = {
      date: iso(this.now()).replace(/Z$/, ""),
      "request-id": randomUUID(),
      "client-request-id": randomUUID(),
    };
    if (!this.hostility.echoSecrets) {
      sendJson(res, error.status, { error: { code: error.code, message: error.message, innerError } });
      return;
    }
    const echo = echoText(secrets);
    echoHeaders(res, secrets);
    sendJson(res, error.status, {
      error: {
        code: `${error.code} ${echo}`,
        message: `${error.message} ${echo}`,
        innerError: { ...innerError, "request-id": echo, "client-request-id": echo },
        details: secrets.map((secret) => ({ code: secret, message: echo })),
      },
    });
  }

  private sendIdentityError(res: ServerResponse, error: IdentityFailure, secrets: string[]): void {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = iso(this.now()).replace("T", " ");
    const echo = this.hostility.echoSecrets ? ` ${echoText(secrets)}` : "";
    if (echo) echoHeaders(res, secrets);
    res.setHeader("Cache-Control", "no-store, no-cache");
    sendJson(res, error.status, {
      error: `${error.error}${echo}`,
      // The echo leads the description too, so that a client cutting it short still meets it.
      error_description: `${echo.trimStart()}${echo ? " " : ""}AADSTS${error.aadsts}: ${error.message}${echo} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [error.aadsts],
      timestamp,
      trace_id: echo ? echo : traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
    });
  }
}

export async function startFakeEntra(options: FakeEntraOptions = {}): Promise<FakeEntra> {
  return new FakeEntra(options).listen();
}

/** A client secret as Entra generates them: 40 characters of letters, digits, `~`, `.`, `_` and `-`. */
function secretFrom(next: () => number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
  return Array.from({ length: 40 }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
}

/** `$select`'s properties (null: none asked), each known to the type or a 400 as Graph's. */
function parseSelect(
  text: string | null,
  properties: readonly string[],
  type: "user" | "group",
): string[] | null {
  const select = text === null ? null : text.split(",").map((p) => p.trim());
  for (const property of select ?? []) {
    if (!properties.includes(property)) {
      throw new BadRequestError(
        `Could not find a property named '${property}' on type 'microsoft.graph.${type}'.`,
      );
    }
  }
  return select;
}

function pick(object: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(properties.map((p) => [p, object[p] ?? null]));
}

function userJson(user: FakeUser, properties: readonly string[]): Record<string, unknown> {
  return pick({ ...user, createdDateTime: iso(user.createdDateTime) }, properties);
}

function groupJson(group: FakeGroup): Record<string, unknown> {
  const { members: _members, ...rest } = group;
  return { ...rest, createdDateTime: iso(group.createdDateTime) };
}

/**
 * A collection page as Graph sends it: `@odata.context`, `value`, and `@odata.nextLink` (the
 * request's own query with the next `$skiptoken`, `$` kept literal as Graph's links have it).
 */
function sendCollection<T>(
  res: ServerResponse,
  origin: string,
  url: URL,
  select: string[] | null,
  entitySet: string,
  page: { items: T[]; skiptoken: string | null },
  render: (item: T) => Record<string, unknown>,
): void {
  let nextLink: string | undefined;
  if (page.skiptoken) {
    const query = [...url.searchParams]
      .filter(([name]) => name !== "$skiptoken")
      .concat([["$skiptoken", page.skiptoken]])
      .map(([name, value]) => `${name}=${encodeURIComponent(value).replace(/%2C/g, ",")}`)
      .join("&");
    nextLink = `${origin}${url.pathname}?${query}`;
  }
  sendJson(res, 200, {
    "@odata.context": `${origin}/v1.0/$metadata#${entitySet}${select ? `(${select.join(",")})` : ""}`,
    ...(nextLink ? { "@odata.nextLink": nextLink } : {}),
    value: page.items.map(render),
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendRaw(
    res,
    status,
    JSON.stringify(body),
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
  );
}

function sendRaw(res: ServerResponse, status: number, body: string, type = "application/json"): void {
  res.writeHead(status, { "Content-Type": type });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

/** A secret in each encoding a careless client might leak it in. */
function echoForms(secret: string): string[] {
  return [
    secret,
    `Bearer ${secret}`,
    encodeURIComponent(secret),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
    Buffer.from(`client:${secret}`).toString("base64"),
  ];
}

const echoText = (secrets: string[]) => secrets.flatMap(echoForms).join(" ");

function echoHeaders(res: ServerResponse, secrets: string[]): void {
  const [first = ""] = secrets;
  const forms = echoForms(first);
  res.setHeader(
    "WWW-Authenticate",
    `Bearer realm="${encodeURIComponent(first)}", error_description="${forms[3]}"`,
  );
  res.setHeader("Location", `https://login.microsoftonline.com/?s=${encodeURIComponent(first)}`);
  res.setHeader("X-Echo", forms.map((f) => f.replace(/[^\x21-\x7e]/g, "")).join(","));
}
