import { z } from "zod";
import { parseAnswer } from "@/lib/directory/answer";
import { PacedRequests, type PacingOptions, type WaitCaps } from "@/lib/directory/paced-requests";
import {
  type ChangeListOptions,
  ChangeLogUnavailableError,
  type DirectoryChange,
  type DirectoryGroup,
  type DirectoryPerson,
  type DirectoryProvider,
  GroupGoneError,
  type ListOptions,
  type Page,
} from "@/lib/directory/types";
import { apiTokenCredentials, type Credentials, type OktaCredential } from "./credentials";
import { parseOktaDomain, type Resolve } from "./domain";
import {
  apiError,
  OktaApiError,
  OktaConnectionError,
  OktaResponseError,
  OktaWaitRefusedError,
} from "./errors";
import { DEFAULT_RESERVE_SHARE, endpointFamily, RateLimitPacer, untilReset } from "./pacing";
import {
  CHANGE_EVENT_TYPES,
  OktaGroup,
  OktaLogEvent,
  OktaMember,
  OktaOrganization,
  OktaUser,
  toDirectoryChanges,
  toDirectoryGroup,
  toDirectoryPerson,
} from "./schemas";
import { ServiceAppCredentials } from "./service-app";
import { createTransport, type HttpResponse } from "./transport";

const USER_AGENT = "okta-workspace-user-sync";

export type OktaClientOptions = OktaCredential & OktaClientSettings;

export interface OktaClientSettings extends PacingOptions {
  /** The org's domain (validated and normalised here; see `domain.ts`). */
  domain: string;
  allowInsecureLocalhost?: boolean;
  resolve?: Resolve;
  /** Share of each rate-limit budget left for the org's other integrations (default 0.1). */
  reserveShare?: number;
  /** Waits for the reset after a 429 before giving up (default 5). */
  maxRateLimitWaits?: number;
  /**
   * The longest single wait Okta's rate-limit headers may ask for (default 90 s: its windows are a
   * minute); a longer one fails the request with `OktaWaitRefusedError` instead of waiting.
   */
  maxWaitMs?: number;
  /** All the waits of this client (the sync builds one per step) together (default 5 min). */
  waitBudgetMs?: number;
}

/** Users and groups a page (Okta's maximum for users). */
const PAGE_SIZE = 200;
/** Members a page: Okta's default for a group's users (`PAGE_SIZE` for a group where that fails). */
const MEMBER_PAGE_SIZE = 1000;
/** Events a page: the System Log's maximum. */
const LOG_PAGE_SIZE = 1000;
/**
 * How far back the System Log is trusted: Okta keeps 90 days (and may answer an older `since` with
 * what it still has rather than an error), less an hour for the clocks' skew.
 */
const LOG_RETENTION_MS = 90 * 86_400_000 - 3_600_000;
const LOGS = "/api/v1/logs";
const USER_STATUSES = [
  "STAGED",
  "PROVISIONED",
  "ACTIVE",
  "RECOVERY",
  "PASSWORD_EXPIRED",
  "LOCKED_OUT",
  "SUSPENDED",
  "DEPROVISIONED",
];
const after = (date: Date) => `"${date.toISOString()}"`;

/**
 * A plain user listing omits DEPROVISIONED users and any filter includes them, so a full listing
 * filters on every status; an incremental one on `lastUpdated` alone.
 */
const usersFilter = (updatedSince?: Date) =>
  updatedSince
    ? `lastUpdated gt ${after(updatedSince)}`
    : USER_STATUSES.map((status) => `status eq "${status}"`).join(" or ");

const groupsFilter = (updatedSince: Date) =>
  `lastUpdated gt ${after(updatedSince)} or lastMembershipUpdated gt ${after(updatedSince)}`;

const changesFilter = CHANGE_EVENT_TYPES.map((type) => `eventType eq "${type}"`).join(" or ");

/**
 * What the client retries (`maxRetries`): Okta failing (5xx), the network, a timeout; and a rate
 * limit met at the token endpoint (the API's own 429s are waited out from their headers).
 */
const transient = (error: unknown) =>
  (error instanceof OktaConnectionError && (error.reason === "timeout" || error.reason === "network")) ||
  (error instanceof OktaApiError && (error.status >= 500 || error.status === 429));

/** A wait until Okta's reset at `until` (on its clock) past the caps. */
const refusedUntil = (until: Date) => (caps: WaitCaps) => new OktaWaitRefusedError(until, caps);

/**
 * A System Log error the sync answers by reading the listings instead: the token's admin may not read
 * the log (403), or `since` is past its retention (a 400 about `since`, which the client always sends
 * well formed and before `until`). Other errors are the client's usual ones.
 */
function changeLogError(error: unknown): unknown {
  if (!(error instanceof OktaApiError)) return error;
  const { status, errorCode, path, errorId } = error;
  const where = [`HTTP ${status}`, errorCode, `on GET ${path}`, errorId && `Okta error id ${errorId}`]
    .filter(Boolean)
    .join(" ");
  if (status === 403) {
    return new ChangeLogUnavailableError(
      "forbidden",
      "The API token's admin cannot read Okta's System Log, which lets a sync read only what changed: " +
        `give that admin the Read-Only Administrator role, or an OAuth app the okta.logs.read scope (${where}).`,
    );
  }
  if (status === 400 && /\bsince\b/i.test(error.summary)) {
    return new ChangeLogUnavailableError(
      "retention",
      `Okta's System Log does not reach back to the changes asked for (it keeps 90 days): ${error.summary} (${where}).`,
    );
  }
  return error;
}

/** The `rel="next"` target of (possibly several, comma-joined) `Link` headers. */
export function nextLink(link: string | string[] | undefined): string | null {
  for (const part of [link ?? []].flat().flatMap((value) => value.split(/,\s*(?=<)/))) {
    const match = /^<([^>]*)>\s*;\s*rel="?next"?\s*$/.exec(part.trim());
    if (match?.[1]) return match[1];
  }
  return null;
}

/** Every page of a listing in turn: `for await (const users of pages((c) => okta.listUsers(c)))`. */
export async function* pages<T>(list: (cursor: string | null) => Promise<Page<T>>): AsyncGenerator<T[]> {
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list(cursor);
    yield page.items;
    cursor = page.next;
  } while (cursor);
}

/** Okta's Management API, read-only: users, groups, memberships and the System Log, paced and retried. */
export class OktaClient implements DirectoryProvider {
  readonly origin: string;
  readonly memberPageSize = MEMBER_PAGE_SIZE;
  /** A true private field: never enumerated, logged or serialised with the client. */
  readonly #credentials: Credentials;
  private readonly paced: PacedRequests;
  private readonly pacer: RateLimitPacer;

  /** Every wait so far (rate limits and backoff), in milliseconds. */
  get waitedMs(): number {
    return this.paced.waitedMs;
  }

  constructor(options: OktaClientOptions) {
    const domain = parseOktaDomain(options.domain, options);
    if (!domain.ok) throw new OktaConnectionError("invalid_domain", domain.message);
    this.origin = domain.origin;
    this.paced = new PacedRequests(options, {
      transport: createTransport({ checkAddresses: domain.kind !== "local", resolve: options.resolve }),
      maxRateLimitWaits: 5,
      maxWaitMs: 90_000,
      sharedLimits: "Okta's limits are shared by the whole org",
    });
    this.#credentials =
      "token" in options
        ? apiTokenCredentials(options.token)
        : new ServiceAppCredentials({
            origin: domain.origin,
            app: options.serviceApp,
            userAgent: USER_AGENT,
            send: (url, headers, form) => this.exchange(url, { authenticated: false, form, headers }),
          });
    this.pacer = new RateLimitPacer(
      options.reserveShare ?? DEFAULT_RESERVE_SHARE,
      this.paced.now,
      (ms, until) => this.paced.wait(ms, refusedUntil(until)),
    );
  }

  /**
   * API requests sent so far, retries included (what Okta counts against the API's limits); a
   * service app's token requests, one an hour or so, are not among them.
   */
  get requestCount(): number {
    return this.paced.requestCount;
  }

  /** What is left of each endpoint family's rate limit, per Okta's last answer on it. */
  get rateLimits(): Record<string, { limit: number; remaining: number }> {
    return this.pacer.left();
  }

  async listUsers(cursor: string | null, options: ListOptions = {}): Promise<Page<DirectoryPerson>> {
    const url = cursor ?? this.url("/api/v1/users", { filter: usersFilter(options.updatedSince) });
    const page = await this.page(url, "/api/v1/users", OktaUser);
    return { items: page.items.map(toDirectoryPerson), next: page.next };
  }

  async listGroups(cursor: string | null, options: ListOptions = {}): Promise<Page<DirectoryGroup>> {
    const since = options.updatedSince;
    // Each group's member count (stats) lets the sync plan how many member pages it will read.
    const query = { expand: "stats", ...(since && { filter: groupsFilter(since) }) };
    const url = cursor ?? this.url("/api/v1/groups", query);
    const page = await this.page(url, "/api/v1/groups", OktaGroup);
    return { items: page.items.map(toDirectoryGroup), next: page.next };
  }

  /**
   * Pages of 1,000 members; a big page that times out or fails is asked again at once (same `after`)
   * with 200, and Okta's next link carries that limit on through the rest of the group. At once
   * rather than after the usual retries: a page too big to serve in time will be too big again (the
   * retries would cost up to four timeouts, two minutes, before the smaller page), while a failure
   * that has nothing to do with size still gets every usual retry at 200. The cost of a fallback the
   * size did not call for is that group's remaining pages at 200.
   */
  async listGroupMembers(groupExternalId: string, cursor: string | null): Promise<Page<string>> {
    const path = `/api/v1/groups/${encodeURIComponent(groupExternalId)}/users`;
    const url = this.cursor(cursor ?? this.url(path, {}, MEMBER_PAGE_SIZE), path);
    const big = Number(url.searchParams.get("limit")) > PAGE_SIZE;
    const page = await this.page(url.href, path, OktaMember, big ? 0 : undefined)
      .catch((error: unknown) => {
        if (!big || !transient(error)) throw error;
        url.searchParams.set("limit", String(PAGE_SIZE));
        return this.page(url.href, path, OktaMember);
      })
      .catch((error: unknown) => {
        if (error instanceof OktaApiError && error.status === 404) throw new GroupGoneError(groupExternalId);
        throw error;
      });
    return { items: page.items.map((member) => member.id), next: page.next };
  }

  /**
   * The System Log's membership, group and user-deletion events published in [since, until), oldest
   * first, as changes. A bounded listing: its last page has no next link. Throws
   * `ChangeLogUnavailableError` when the token's admin may not read the log or `since` is past its
   * retention.
   */
  async listChanges(
    cursor: string | null,
    { since, until }: ChangeListOptions,
  ): Promise<Page<DirectoryChange>> {
    if (!(since < until)) throw new RangeError("A change listing's since must be before its until.");
    if (cursor === null && since.getTime() < this.paced.now() - LOG_RETENTION_MS) {
      throw new ChangeLogUnavailableError(
        "retention",
        `Okta's System Log keeps 90 days: it no longer holds every change since ${since.toISOString()}.`,
      );
    }
    const query = {
      since: since.toISOString(),
      until: until.toISOString(),
      sortOrder: "ASCENDING",
      filter: changesFilter,
    };
    try {
      const page = await this.page(cursor ?? this.url(LOGS, query, LOG_PAGE_SIZE), LOGS, OktaLogEvent);
      return { items: toDirectoryChanges(page.items), next: page.next };
    } catch (error) {
      throw changeLogError(error);
    }
  }

  /** The org's public identity; answering it at all is what tells an Okta org from another host. */
  async organization(): Promise<z.infer<typeof OktaOrganization>> {
    const path = "/.well-known/okta-organization";
    return parseAnswer(
      await this.get(new URL(path, this.origin), false),
      OktaOrganization,
      this.#credentials.scrub,
      malformed(path),
    );
  }

  /** The first page of a listing. */
  private url(path: string, query: Record<string, string>, limit = PAGE_SIZE): string {
    const url = new URL(path, this.origin);
    url.searchParams.set("limit", String(limit));
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.href;
  }

  /** A cursor is a `next` link: it must stay on the configured org and on the same listing. */
  private cursor(link: string, path: string): URL {
    const url = URL.canParse(link) ? new URL(link) : null;
    if (url?.origin !== this.origin || url.pathname !== path) {
      throw new OktaResponseError(
        "malformed",
        `Refusing to follow a page link outside ${this.origin}${path}.`,
      );
    }
    return url;
  }

  private async page<T>(
    link: string,
    path: string,
    item: z.ZodType<T>,
    retries?: number,
  ): Promise<{ items: T[]; next: string | null }> {
    const response = await this.get(this.cursor(link, path), true, retries);
    const items = parseAnswer(response, z.array(item), this.#credentials.scrub, malformed(path));
    const next = nextLink(response.headers.link);
    return { items, next: next && this.cursor(next, path).href };
  }

  private get(url: URL, authenticated: boolean, maxRetries?: number): Promise<HttpResponse> {
    const credentials = this.#credentials;
    return this.paced.run(async () => {
      const response = await this.exchange(url, { authenticated, maxRetries });
      const { status } = response;
      if (status >= 300 && status < 400) {
        // Its target is untrusted text (it may carry the token): neither followed nor shown.
        throw new OktaResponseError(
          "redirect",
          `${url.host} answered GET ${url.pathname} with a redirect (HTTP ${status}); redirects are not followed. Check the domain.`,
        );
      }
      if (status < 200 || status >= 400) {
        throw apiError(status, response.body, url.pathname, credentials.scrub, credentials.advice(response));
      }
      return response;
    });
  }

  /**
   * One request, paced, retried and waited for until it has an answer worth returning
   * (`PacedRequests`): a GET of the API (`authenticated`: with the credential's headers, renewed
   * once after a 401 that asks for it), or a service app's token request (`form`), which waits out
   * the token endpoint's rate limit like any other and is not counted in `requestCount`. A 429 is
   * waited out until Okta's `X-Rate-Limit-Reset`, capped (`OktaWaitRefusedError`).
   */
  private exchange(
    url: URL,
    request: {
      authenticated: boolean;
      maxRetries?: number;
      form?: URLSearchParams;
      headers?: Record<string, string>;
    },
  ): Promise<HttpResponse> {
    const family = endpointFamily(url.pathname);
    const base: Record<string, string> = request.headers ?? {
      Accept: "application/json",
      // Okta's documented way to leave credentials out of user objects.
      "Content-Type": "application/json; okta-response=omitCredentials,omitCredentialsLinks",
      "User-Agent": USER_AGENT,
    };
    const credentials = this.#credentials;
    const renewed = new Set<string>();
    let headers = base;
    return this.paced.send({
      url,
      form: request.form,
      maxRetries: request.maxRetries,
      pacing: {
        take: () => this.pacer.take(family),
        record: (response) => this.pacer.record(family, response.headers, this.paced.now()),
      },
      headers: async () => {
        headers = request.authenticated ? { ...base, ...(await credentials.authorize(url)) } : base;
        return headers;
      },
      retryable: transient,
      renewed: (response) => {
        // A DPoP nonce or a new access token, each once.
        const renewal =
          response.status === 401 && request.authenticated ? credentials.renew(response, headers) : null;
        if (!renewal || renewed.has(renewal)) return false;
        renewed.add(renewal);
        return true;
      },
      throttled: (response) => {
        if (response.status !== 429) return null;
        const reset = untilReset(response.headers);
        return (waits) =>
          reset
            ? { ms: reset.ms + 1000, refusal: refusedUntil(reset.at) }
            : { ms: this.paced.backoff(waits + 1) + 1000 };
      },
    });
  }
}

/** A malformed answer to a GET of `path`, as `parseAnswer` reports it. */
const malformed = (path: string) => (problem: string) =>
  new OktaResponseError("malformed", `Okta's answer to GET ${path} ${problem}.`);
