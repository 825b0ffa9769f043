import { z } from "zod";
import { parseAnswer } from "@/lib/directory/answer";
import { PacedRequests, type PacingOptions } from "@/lib/directory/paced-requests";
import {
  type ChangeFeed,
  ChangeLogUnavailableError,
  type DirectoryGroup,
  type DirectoryPerson,
  type DirectoryProvider,
  GroupGoneError,
  type ListOptions,
  type Page,
} from "@/lib/directory/types";
import { withoutInvisibleControls } from "@/lib/input";
import { SecretSet } from "@/lib/okta/credentials";
import type { Resolve } from "@/lib/okta/domain";
import { OktaConnectionError, OktaResponseError, type Scrub, secretScrubber } from "@/lib/okta/errors";
import { ASSERTION_TYPE, signClientAssertion } from "@/lib/okta/service-app";
import { privateKeyScrubber } from "@/lib/okta/service-app-key";
import { createTransport, type HttpResponse } from "@/lib/okta/transport";
import { type EntraCertificate, parseEntraCertificate } from "./certificate";
import {
  EntraApiError,
  EntraAuthError,
  EntraConnectionError,
  EntraError,
  EntraResponseError,
  EntraWaitRefusedError,
  graphError,
  MISSING_PERMISSION,
  tokenRefusal,
} from "./errors";

/**
 * Microsoft Entra ID through Microsoft Graph v1.0, read-only: users, groups and groups' user
 * members at every level of nesting. An app registration signs in with the client credentials
 * grant and a client secret or a certificate (a client assertion signed with its key, new for each
 * token request); its access tokens live in memory only until shortly before they
 * expire. Requests are paced (1–4 at once), retried (5xx, network, timeouts) and Graph's
 * throttling (429, 503 with `Retry-After`) is waited out within caps.
 *
 * Full listings use `/users` and `/groups` (999 a page; `updatedSince` is ignored). Graph's delta
 * queries are the change feed (`changeFeed`): before a full listing, `$deltatoken=latest` gives the
 * positions (`@odata.deltaLink`s) the next run's delta listings start from; a delta listing
 * returns the users and groups created or changed since, the removed ones (`@removed`), and the
 * next position. Cursors and positions are links Graph sent, checked to stay on Graph and on the
 * listing's path.
 */

/**
 * The credentials an admin enters (the form's fields have these names): a client secret or a
 * certificate (which wins when both are given).
 */
export type EntraCredentials = {
  /** The Directory (tenant) ID, a GUID, or a verified domain such as contoso.onmicrosoft.com. */
  tenantId: string;
  /** The app registration's Application (client) ID. */
  clientId: string;
} & (
  | {
      /** The client secret's Value. */
      clientSecret: string;
    }
  | {
      /** A PEM with the certificate and its private key (`parseEntraCertificate`). */
      certificate: string;
    }
);

/** Where the client connects: Microsoft's hosts, or the fake's on localhost. */
export interface EntraEndpoints {
  /** The identity platform's origin (token endpoint: `/{tenant}/oauth2/v2.0/token`). */
  login: string;
  /** Microsoft Graph's origin. */
  graph: string;
}

export const ENTRA_ENDPOINTS: EntraEndpoints = {
  login: "https://login.microsoftonline.com",
  graph: "https://graph.microsoft.com",
};

export type EntraClientOptions = EntraCredentials & EntraClientSettings;

interface EntraClientSettings extends PacingOptions {
  /** Other origins, accepted only for http(s)://127.0.0.1 or localhost with `allowInsecureLocalhost` (tests, `npm run dev`). */
  endpoints?: EntraEndpoints;
  allowInsecureLocalhost?: boolean;
  resolve?: Resolve;
  /** Throttled answers (429, 503 with `Retry-After`) waited out per request (default 5). */
  maxRateLimitWaits?: number;
  /** The longest single wait `Retry-After` may ask for (default 120 s); longer fails with `EntraWaitRefusedError`. */
  maxWaitMs?: number;
}

/** Graph's largest page for users, groups and members. */
const PAGE_SIZE = 999;
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const USER_SELECT = "id,displayName,givenName,surname,mail,userPrincipalName,accountEnabled,createdDateTime";
const GROUP_SELECT = "id,displayName,description,groupTypes,securityEnabled,mailEnabled";
const USERS_DELTA = "/v1.0/users/delta";
const GROUPS_DELTA = "/v1.0/groups/delta";
/** `members` makes a group's direct membership changes show in its delta (`members@delta`). */
const GROUP_DELTA_SELECT = `${GROUP_SELECT},members`;
/** Graph keeps a directory object's delta token seven days; an hour's margin. */
const DELTA_RETENTION_MS = 7 * 24 * 3600_000 - 3600_000;
const USER_AGENT = "entra-workspace-user-sync";
/** A token is renewed this long before Entra says it expires (at most half its lifetime). */
const EXPIRY_MARGIN_MS = 5 * 60_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\]):\d{1,5}$/;

/** The tenant as the token endpoint's path takes it (a GUID or a DNS name, lower case), or why not. */
export function parseTenant(input: string): { ok: true; tenant: string } | { ok: false; message: string } {
  const tenant = input.trim().toLowerCase().replace(/\.$/, "");
  if (!tenant)
    return { ok: false, message: "Enter the Directory (tenant) ID or a verified domain of the tenant." };
  if (GUID.test(tenant) || DNS_NAME.test(tenant)) return { ok: true, tenant };
  return {
    ok: false,
    message:
      "The tenant must be the Directory (tenant) ID (a GUID, from the app registration's Overview page) or a verified domain such as contoso.onmicrosoft.com.",
  };
}

/** The credentials checked for shape (no request): each problem on its field. */
export function checkEntraCredentials(credentials: EntraCredentials): EntraAuthError[] {
  const problems = checkApp(credentials);
  if ("certificate" in credentials) {
    const certificate = parseEntraCertificate(credentials.certificate);
    if (!certificate.ok) problems.push(new EntraAuthError("invalid", "certificate", certificate.message));
    return problems;
  }
  // A client secret is printable ASCII (Entra's have 40 characters).
  if (!/^[\x21-\x7e]{8,512}$/.test(credentials.clientSecret.trim())) {
    problems.push(
      new EntraAuthError(
        "invalid",
        "clientSecret",
        "Paste the client secret's Value from the app registration's Certificates & secrets.",
      ),
    );
  }
  return problems;
}

function checkApp(credentials: EntraCredentials): EntraAuthError[] {
  const problems: EntraAuthError[] = [];
  const tenant = parseTenant(credentials.tenantId);
  if (!tenant.ok) problems.push(new EntraAuthError("invalid", "tenantId", tenant.message));
  if (!GUID.test(credentials.clientId.trim())) {
    problems.push(
      new EntraAuthError(
        "invalid",
        "clientId",
        "The Application (client) ID is a GUID such as 00000000-0000-0000-0000-000000000000: copy it from the app registration's Overview page.",
      ),
    );
  }
  return problems;
}

const nullableString = z.string().nullish().catch(null);

const GraphUser = z.looseObject({
  id: z.string().min(1),
  displayName: nullableString,
  givenName: nullableString,
  surname: nullableString,
  mail: nullableString,
  userPrincipalName: nullableString,
  accountEnabled: z.boolean().nullish().catch(null),
  createdDateTime: nullableString,
});

const GraphGroup = z.looseObject({
  id: z.string().min(1),
  displayName: nullableString,
  description: nullableString,
  groupTypes: z.array(z.string()).nullish().catch(null),
  securityEnabled: z.boolean().nullish().catch(null),
  mailEnabled: z.boolean().nullish().catch(null),
});

const GraphMember = z.looseObject({ id: z.string().min(1) });

/** A delta round's removed entry: deleted (`changed`: restorable for 30 days) or purged (`deleted`). */
const Removed = z.looseObject({ id: z.string().min(1), "@removed": z.looseObject({}) });

const GraphDeltaGroup = GraphGroup.extend({
  /** Direct members added or removed (users and groups); present when they changed. */
  "members@delta": z.array(GraphMember).nullish().catch(null),
});

const collection = <T extends z.ZodType>(item: T) =>
  z.looseObject({ value: z.array(item), "@odata.nextLink": z.string().nullish() });

const deltaCollection = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    value: z.array(z.union([Removed, item])),
    "@odata.nextLink": z.string().nullish(),
    "@odata.deltaLink": z.string().nullish(),
  });

const TokenResponse = z.object({
  token_type: z.string().regex(/^bearer$/i),
  access_token: z.string().regex(/^[\x21-\x7e]{1,16384}$/),
  // v2.0 sends a number; v1.0 a numeric string.
  expires_in: z.coerce.number().int().min(1).max(86_400),
});

const toDate = (value: string | null | undefined) => {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};
const clean = (text: string | null | undefined) => (text ? withoutInvisibleControls(text) : null);

export function toDirectoryPerson(user: z.infer<typeof GraphUser>): DirectoryPerson {
  const { id, displayName, givenName, surname, mail, userPrincipalName, accountEnabled, createdDateTime } =
    user;
  return {
    externalId: id,
    // Graph lists no deleted users (they sit in the recycle bin): a disabled account is suspended.
    status: accountEnabled === false ? "SUSPENDED" : "ACTIVE",
    username: userPrincipalName ?? null,
    email: mail ?? null,
    firstName: clean(givenName),
    lastName: clean(surname),
    displayName: clean(displayName),
    profile: { displayName, givenName, surname, mail, userPrincipalName, accountEnabled, createdDateTime },
    createdAt: toDate(createdDateTime),
    updatedAt: null,
  };
}

/** "Microsoft 365" for a Unified group, "Distribution" for mail without security, else "Security". */
export function groupType(
  group: Pick<z.infer<typeof GraphGroup>, "groupTypes" | "securityEnabled" | "mailEnabled">,
): string {
  if (group.groupTypes?.includes("Unified")) return "Microsoft 365";
  return group.mailEnabled && !group.securityEnabled ? "Distribution" : "Security";
}

/**
 * Graph dates no membership change: a group is dated by the listing that shows it (`listedAt`), so
 * that a full run reads every group's members and a delta run those of the groups it lists.
 */
export function toDirectoryGroup(group: z.infer<typeof GraphGroup>, listedAt: Date): DirectoryGroup {
  return {
    externalId: group.id,
    name: clean(group.displayName) ?? group.id,
    description: clean(group.description),
    type: groupType(group),
    // Graph counts members only with a separate `$count` request (ConsistencyLevel: eventual).
    memberCount: null,
    updatedAt: null,
    membershipUpdatedAt: listedAt,
  };
}

interface AccessToken {
  value: string;
  expiresAt: number;
}

/** Graph's `Retry-After`: seconds, or an HTTP date read against the answer's own `Date`. */
function retryAfterMs(response: HttpResponse): number | null {
  const header = response.headers["retry-after"];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  const date = Date.parse(String(response.headers.date ?? ""));
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - (Number.isNaN(date) ? Date.now() : date));
}

export class EntraClient implements DirectoryProvider {
  readonly memberPageSize = PAGE_SIZE;
  readonly endpoints: EntraEndpoints;
  readonly tenant: string;
  readonly #clientId: string;
  /** A client secret, or a certificate whose key signs a client assertion per token request. */
  readonly #credential: { secret: string } | { certificate: EntraCertificate };
  /** The client assertions and access tokens issued to this client, scrubbed from whatever the servers send. */
  readonly #secrets = new SecretSet();
  /** The client secret, or the certificate's private key. */
  readonly #scrubSecret: Scrub;
  #token: AccessToken | null = null;
  /** The token request in flight: requests wait for it rather than each asking. */
  #pending: Promise<AccessToken> | null = null;
  private readonly tokenUrl: URL;
  private readonly paced: PacedRequests;

  constructor(options: EntraClientOptions) {
    const [problem] = checkEntraCredentials(options);
    if (problem) throw problem;
    const tenant = parseTenant(options.tenantId);
    this.tenant = tenant.ok ? tenant.tenant : "";
    this.#clientId = options.clientId.trim().toLowerCase();
    const certificate = "certificate" in options ? parseEntraCertificate(options.certificate) : null;
    if (certificate?.ok) {
      this.#credential = { certificate };
      this.#scrubSecret = privateKeyScrubber(certificate.privateKey.export({ format: "jwk" }));
    } else {
      const secret = "clientSecret" in options ? options.clientSecret.trim() : "";
      this.#credential = { secret };
      this.#scrubSecret = secretScrubber(secret);
    }
    const endpoints = options.endpoints ?? ENTRA_ENDPOINTS;
    const local = endpoints.login !== ENTRA_ENDPOINTS.login || endpoints.graph !== ENTRA_ENDPOINTS.graph;
    if (
      local &&
      !(
        options.allowInsecureLocalhost &&
        LOCAL_ORIGIN.test(endpoints.login) &&
        LOCAL_ORIGIN.test(endpoints.graph)
      )
    ) {
      throw new EntraConnectionError(
        "invalid_endpoint",
        "Microsoft Entra is reached at login.microsoftonline.com and graph.microsoft.com only (other endpoints: localhost, in development).",
      );
    }
    this.endpoints = { login: new URL(endpoints.login).origin, graph: new URL(endpoints.graph).origin };
    this.tokenUrl = new URL(`/${this.tenant}/oauth2/v2.0/token`, this.endpoints.login);
    this.paced = new PacedRequests(options, {
      transport: createTransport({
        checkAddresses: !local,
        resolve: options.resolve,
        tokenPath: this.tokenUrl.pathname,
      }),
      maxRateLimitWaits: 5,
      maxWaitMs: 120_000,
      sharedLimits: "Graph throttles each app per tenant",
    });
  }

  /** Graph requests sent so far, retries included (token requests are not among them). */
  get requestCount(): number {
    return this.paced.requestCount;
  }

  /** Every wait so far (throttling and backoff), in milliseconds. */
  get waitedMs(): number {
    return this.paced.waitedMs;
  }

  readonly changeFeed: ChangeFeed = {
    retentionMs: DELTA_RETENTION_MS,
    positions: async () => {
      const [users, groups] = await Promise.all([
        this.latest(USERS_DELTA, USER_SELECT),
        this.latest(GROUPS_DELTA, GROUP_DELTA_SELECT),
      ]);
      return { users, groups };
    },
  };

  /**
   * Every user, enabled or not, a page at a time; `updatedSince` is ignored. With `changesFrom`, the
   * users created or changed since that position and the removed ones (Graph's delta).
   */
  async listUsers(cursor: string | null, options?: ListOptions): Promise<Page<DirectoryPerson>> {
    if (options?.changesFrom !== undefined) {
      const page = await this.deltaPage(cursor ?? options.changesFrom, USERS_DELTA, GraphUser);
      return { ...page, items: page.items.map(toDirectoryPerson) };
    }
    const page = await this.page(cursor, "/v1.0/users", USER_SELECT, GraphUser);
    return { items: page.items.map(toDirectoryPerson), next: page.next };
  }

  /**
   * Every group, a page at a time; `updatedSince` is ignored. With `changesFrom`, the groups
   * created or changed since that position — renamed, or their direct members changed, and then
   * also every group that holds them at any level, whose users changed too — and the removed ones.
   */
  async listGroups(cursor: string | null, options?: ListOptions): Promise<Page<DirectoryGroup>> {
    const listedAt = new Date(this.paced.now());
    if (options?.changesFrom === undefined) {
      const page = await this.page(cursor, "/v1.0/groups", GROUP_SELECT, GraphGroup);
      return { items: page.items.map((group) => toDirectoryGroup(group, listedAt)), next: page.next };
    }
    const page = await this.deltaPage(cursor ?? options.changesFrom, GROUPS_DELTA, GraphDeltaGroup);
    const moved = page.items.filter((group) => (group["members@delta"]?.length ?? 0) > 0);
    const holders = await Promise.all(moved.map((group) => this.groupsHolding(group.id)));
    const groups = new Map([...holders.flat(), ...page.items].map((group) => [group.id, group]));
    const removed = new Set(page.removed);
    const items = [...groups.values()].filter((group) => !removed.has(group.id));
    return { ...page, items: items.map((group) => toDirectoryGroup(group, listedAt)) };
  }

  /** The groups that hold this one at any level (none when it is gone). */
  private async groupsHolding(groupId: string): Promise<z.infer<typeof GraphGroup>[]> {
    if (!GUID.test(groupId)) return [];
    const path = `/v1.0/groups/${encodeURIComponent(groupId)}/transitiveMemberOf/microsoft.graph.group`;
    const holders: z.infer<typeof GraphGroup>[] = [];
    let cursor: string | null = null;
    try {
      do {
        const page: { items: z.infer<typeof GraphGroup>[]; next: string | null } = await this.page(
          cursor,
          path,
          GROUP_SELECT,
          GraphGroup,
        );
        holders.push(...page.items);
        cursor = page.next;
      } while (cursor);
    } catch (error) {
      // Deleted since the delta showed it: its holders' own entries show the removal.
      if (error instanceof EntraApiError && error.status === 404) return [];
      throw error;
    }
    return holders;
  }

  /** A delta listing's position as it stands now (`$deltatoken=latest`: no entries, a delta link). */
  private async latest(path: string, select: string): Promise<string> {
    const url = new URL(path, this.endpoints.graph);
    url.search = `?$select=${select}&$deltatoken=latest`;
    const page = await this.deltaPage(url.href, path, z.never());
    if (!page.position) {
      throw new EntraResponseError("malformed", `Microsoft Graph's answer to GET ${path} has no delta link.`);
    }
    return page.position;
  }

  /**
   * A page of a delta round from a next link or a position: the entries listed and removed (a
   * replayed entry once, its last listing), and on the last page the next position. A position
   * Graph no longer keeps (expired, or a resync asked for) is `ChangeLogUnavailableError`.
   */
  private async deltaPage<T extends { id: string }>(
    link: string,
    path: string,
    item: z.ZodType<T>,
  ): Promise<{ items: T[]; removed: string[]; next: string | null; position?: string }> {
    let response: HttpResponse;
    try {
      response = await this.get(this.link(link, path));
    } catch (error) {
      throw deltaUnavailable(error) ?? error;
    }
    const page = parseAnswer(response, deltaCollection(item), this.scrub, malformed(path));
    const listed = new Map<string, T>();
    const removed = new Set<string>();
    for (const entry of page.value) {
      if ("@removed" in entry) {
        listed.delete(entry.id);
        removed.add(entry.id);
      } else {
        removed.delete(entry.id);
        listed.set(entry.id, entry as T);
      }
    }
    const next = page["@odata.nextLink"];
    const delta = page["@odata.deltaLink"];
    if (!next && !delta) {
      throw new EntraResponseError(
        "malformed",
        `Microsoft Graph's answer to GET ${path} has no next or delta link.`,
      );
    }
    return {
      items: [...listed.values()],
      removed: [...removed],
      next: next ? this.link(next, path).href : null,
      ...(!next && delta && { position: this.link(delta, path).href }),
    };
  }

  /** The ids of the group's users at every level of nesting (Graph's transitive members, users only). */
  async listGroupMembers(groupExternalId: string, cursor: string | null): Promise<Page<string>> {
    // Entra's object ids are GUIDs: no group has another (and no path segment can sneak in).
    if (!GUID.test(groupExternalId)) throw new GroupGoneError(groupExternalId);
    const path = `/v1.0/groups/${encodeURIComponent(groupExternalId)}/transitiveMembers/microsoft.graph.user`;
    try {
      const page = await this.page(cursor, path, "id", GraphMember);
      return { items: page.items.map((member) => member.id), next: page.next };
    } catch (error) {
      if (error instanceof EntraApiError && error.status === 404) throw new GroupGoneError(groupExternalId);
      throw error;
    }
  }

  /** The scrubber of everything this client keeps from the servers' answers. */
  private readonly scrub: Scrub = (text) => this.#secrets.scrub(this.#scrubSecret(text));

  private async page<T>(
    cursor: string | null,
    path: string,
    select: string,
    item: z.ZodType<T>,
  ): Promise<{ items: T[]; next: string | null }> {
    const url = cursor === null ? new URL(path, this.endpoints.graph) : this.link(cursor, path);
    if (cursor === null) {
      // `$` kept literal, as in Graph's documentation and its own links.
      url.search = `?$select=${select}&$top=${PAGE_SIZE}`;
    }
    const response = await this.get(url);
    const page = parseAnswer(response, collection(item), this.scrub, malformed(path));
    const next = page["@odata.nextLink"];
    return { items: page.value, next: next ? this.link(next, path).href : null };
  }

  /** A cursor or next link: it must stay on Graph's origin and on the listing it came from. */
  private link(link: string, path: string): URL {
    const url = URL.canParse(link) ? new URL(link) : null;
    if (url?.origin !== this.endpoints.graph || url.pathname !== path || url.username || url.password) {
      throw new EntraResponseError(
        "foreign_link",
        `Refusing to follow a page link outside ${this.endpoints.graph}${path}.`,
      );
    }
    return url;
  }

  private get(url: URL): Promise<HttpResponse> {
    return this.paced.run(async () => {
      let renewed = false;
      for (;;) {
        const token = await this.token();
        const response = await this.exchange(url, { Authorization: `Bearer ${token.value}` });
        const { status } = response;
        if (status >= 200 && status < 300) return response;
        if (status >= 300 && status < 400) {
          // Its target is untrusted text (it may carry a secret): neither followed nor shown.
          throw new EntraResponseError(
            "redirect",
            `Microsoft Graph answered GET ${url.pathname} with a redirect (HTTP ${status}); redirects are not followed.`,
          );
        }
        const { code, requestId } = graphError(response.body, this.scrub);
        // Revoked or expired early: one new token, then the refusal is the app's.
        if (status === 401 && !renewed) {
          renewed = true;
          if (this.#token === token) this.#token = null;
          continue;
        }
        if (status === 403) {
          const where = [`HTTP 403`, code, `on GET ${url.pathname}`, requestId && `request-id ${requestId}`];
          throw new EntraAuthError(
            "missing_permission",
            "clientId",
            `${MISSING_PERMISSION} (${where.filter(Boolean).join(" ")}).`,
          );
        }
        throw new EntraApiError(status, code, requestId, "GET", url.pathname);
      }
    });
  }

  private async token(): Promise<AccessToken> {
    const token = this.#token;
    if (token && token.expiresAt > this.paced.now()) return token;
    this.#pending ??= this.requestToken().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  private async requestToken(): Promise<AccessToken> {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.#clientId,
      scope: GRAPH_SCOPE,
      ...("secret" in this.#credential
        ? { client_secret: this.#credential.secret }
        : {
            client_assertion_type: ASSERTION_TYPE,
            client_assertion: await this.assertion(this.#credential.certificate),
          }),
    });
    const response = await this.exchange(this.tokenUrl, {}, form);
    const path = this.tokenUrl.pathname;
    if (response.status !== 200) {
      if (response.status >= 300 && response.status < 400) {
        throw new EntraResponseError(
          "redirect",
          `The token endpoint answered with a redirect (HTTP ${response.status}); redirects are not followed.`,
        );
      }
      throw tokenRefusal(response.status, response.body, path, this.scrub);
    }
    let json: unknown = null;
    try {
      json = JSON.parse(response.body);
    } catch {
      // Reported below as an unusable answer.
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) {
      const value = (json as { access_token?: unknown } | null)?.access_token;
      if (typeof value === "string") this.#secrets.add(value);
      throw new EntraResponseError(
        "malformed",
        `The token endpoint's answer is not a usable access token (POST ${path}).`,
      );
    }
    const { access_token, expires_in } = parsed.data;
    this.#secrets.add(access_token);
    const lifetime = expires_in * 1000;
    const token = {
      value: access_token,
      expiresAt: this.paced.now() + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 2),
    };
    this.#token = token;
    return token;
  }

  /** The certificate's client assertion for one token request (Entra's "certificate credentials"). */
  private async assertion(certificate: EntraCertificate): Promise<string> {
    const jwt = await signClientAssertion({
      clientId: this.#clientId,
      audience: this.tokenUrl.href,
      key: certificate.privateKey,
      header: { alg: "PS256", "x5t#S256": certificate.x5tS256 },
    });
    this.#secrets.add(jwt);
    return jwt;
  }

  /**
   * One request, retried and waited for until it has an answer worth returning
   * (`PacedRequests`): a Graph GET, or the token request (`form`, not counted in `requestCount`).
   * Throttling (429, and 503 with `Retry-After`) is waited out as Graph asks, within caps
   * (`EntraWaitRefusedError`); other 5xx, network errors and timeouts are retried with backoff.
   */
  private exchange(url: URL, auth: Record<string, string>, form?: URLSearchParams): Promise<HttpResponse> {
    const headers = { Accept: "application/json", "User-Agent": USER_AGENT, ...auth };
    return this.paced.send({
      url,
      form,
      headers: () => headers,
      failure: connectionError,
      retryable: (error) => !(error as EntraError).permanent,
      throttled: (response) => {
        const asked = retryAfterMs(response);
        if (response.status !== 429 && !(response.status === 503 && asked !== null)) return null;
        return (waits) =>
          asked === null
            ? { ms: this.paced.backoff(waits + 1) }
            : { ms: asked, refusal: (caps) => new EntraWaitRefusedError(asked, caps) };
      },
    });
  }
}

/**
 * Graph's answers to a delta position it no longer keeps: an expired token (a 4xx with
 * `syncStateNotFound`), or a reset (410 Gone, `resyncRequired`): a full listing is needed.
 */
function deltaUnavailable(error: unknown): ChangeLogUnavailableError | null {
  if (!(error instanceof EntraApiError)) return null;
  if (/^syncStateNotFound$/i.test(error.code ?? ""))
    return new ChangeLogUnavailableError(
      "retention",
      "Microsoft Graph no longer keeps the changes since the last run.",
    );
  if (error.status === 410 || /^resyncRequired$/i.test(error.code ?? ""))
    return new ChangeLogUnavailableError(
      "reset",
      "Microsoft Graph asked for a full synchronization (HTTP 410).",
    );
  return null;
}

/** The transport's errors as Entra's (their messages name hosts and codes only). */
function connectionError(error: unknown): EntraError {
  if (error instanceof EntraError) return error;
  if (error instanceof OktaConnectionError) {
    const reason = error.reason === "invalid_domain" ? "invalid_endpoint" : error.reason;
    return new EntraConnectionError(reason, error.message.replace(/: check the domain\.$/, "."));
  }
  if (error instanceof OktaResponseError) return new EntraResponseError(error.reason, error.message);
  return new EntraConnectionError("network", "Microsoft Entra could not be reached.");
}

/** A malformed answer to a GET of `path`, as `parseAnswer` reports it. */
const malformed = (path: string) => (problem: string) =>
  new EntraResponseError("malformed", `Microsoft Graph's answer to GET ${path} ${problem}.`);
