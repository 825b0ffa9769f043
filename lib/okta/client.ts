import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
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
  parseUntrustedJson,
  type Scrub,
} from "./errors";
import {
  type Clock,
  DEFAULT_RESERVE_SHARE,
  endpointFamily,
  RateLimitPacer,
  Semaphore,
  type Sleep,
  untilReset,
} from "./pacing";
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
import { createTransport, type HttpResponse, type Transport } from "./transport";

const USER_AGENT = "okta-workspace-user-sync";

export type OktaClientOptions = OktaCredential & OktaClientSettings;

export interface OktaClientSettings {
  /** The org's domain (validated and normalised here; see `domain.ts`). */
  domain: string;
  allowInsecureLocalhost?: boolean;
  resolve?: Resolve;
  /** Requests in flight at once, 1–4 (default 3). */
  concurrency?: number;
  /** Share of each rate-limit budget left for the org's other integrations (default 0.1). */
  reserveShare?: number;
  timeoutMs?: number;
  /** Retries of 5xx answers, network errors and timeouts (default 3). */
  maxRetries?: number;
  /** Waits for the reset after a 429 before giving up (default 5). */
  maxRateLimitWaits?: number;
  /**
   * The longest single wait Okta's rate-limit headers may ask for (default 90 s: its windows are a
   * minute); a longer one fails the request with `OktaWaitRefusedError` instead of waiting.
   */
  maxWaitMs?: number;
  /** All the waits of this client (the sync builds one per step) together (default 5 min). */
  waitBudgetMs?: number;
  /** Aborts requests and waits in progress (a cancelled run); they reject with its reason. */
  signal?: AbortSignal;
  /** First retry delay; it doubles each retry, with jitter (default 500 ms). */
  backoffMs?: number;
  now?: Clock;
  sleep?: Sleep;
  random?: () => number;
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
  private readonly transport: Transport;
  private readonly slots: Semaphore;
  private readonly pacer: RateLimitPacer;
  private readonly options: Required<
    Pick<
      OktaClientOptions,
      | "timeoutMs"
      | "maxRetries"
      | "maxRateLimitWaits"
      | "maxWaitMs"
      | "waitBudgetMs"
      | "backoffMs"
      | "sleep"
      | "now"
      | "random"
    >
  >;
  private readonly signal: AbortSignal | undefined;
  private requests = 0;
  private waited = 0;

  /** Every wait so far (rate limits and backoff), in milliseconds. */
  get waitedMs(): number {
    return this.waited;
  }

  constructor(options: OktaClientOptions) {
    const domain = parseOktaDomain(options.domain, options);
    if (!domain.ok) throw new OktaConnectionError("invalid_domain", domain.message);
    const concurrency = options.concurrency ?? 3;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 4) {
      throw new RangeError("concurrency must be 1 to 4: Okta's limits are shared by the whole org");
    }
    this.origin = domain.origin;
    this.transport = createTransport({ checkAddresses: domain.kind !== "local", resolve: options.resolve });
    this.#credentials =
      "token" in options
        ? apiTokenCredentials(options.token)
        : new ServiceAppCredentials({
            origin: domain.origin,
            app: options.serviceApp,
            userAgent: USER_AGENT,
            send: (url, headers, form) =>
              this.exchange(url, {
                authenticated: false,
                maxRetries: this.options.maxRetries,
                form,
                headers,
              }),
          });
    const {
      timeoutMs = 30_000,
      maxRetries = 3,
      maxRateLimitWaits = 5,
      maxWaitMs = 90_000,
      waitBudgetMs = 300_000,
      backoffMs = 500,
      now = Date.now,
      sleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }),
      random = Math.random,
    } = options;
    this.options = {
      timeoutMs,
      maxRetries,
      maxRateLimitWaits,
      maxWaitMs,
      waitBudgetMs,
      backoffMs,
      now,
      sleep,
      random,
    };
    this.signal = options.signal;
    this.slots = new Semaphore(concurrency);
    this.pacer = new RateLimitPacer(
      options.reserveShare ?? DEFAULT_RESERVE_SHARE,
      this.options.now,
      (ms, until) => this.wait(ms, until),
    );
  }

  /**
   * API requests sent so far, retries included (what Okta counts against the API's limits); a
   * service app's token requests, one an hour or so, are not among them.
   */
  get requestCount(): number {
    return this.requests;
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
    if (cursor === null && since.getTime() < this.options.now() - LOG_RETENTION_MS) {
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
    return parse(
      await this.get(new URL(path, this.origin), false),
      OktaOrganization,
      path,
      this.#credentials.scrub,
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
    const items = parse(response, z.array(item), path, this.#credentials.scrub);
    const next = nextLink(response.headers.link);
    return { items, next: next && this.cursor(next, path).href };
  }

  private get(url: URL, authenticated: boolean, maxRetries = this.options.maxRetries): Promise<HttpResponse> {
    const credentials = this.#credentials;
    return this.slots.run(async () => {
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
   * One request, paced, retried and waited for until it has an answer worth returning: a GET of
   * the API (`authenticated`: with the credential's headers, renewed once after a 401 that asks
   * for it), or a service app's token request (`form`), which waits out the token endpoint's rate
   * limit like any other and is not counted in `requestCount`.
   */
  private async exchange(
    url: URL,
    request: {
      authenticated: boolean;
      maxRetries: number;
      form?: URLSearchParams;
      headers?: Record<string, string>;
    },
  ): Promise<HttpResponse> {
    const { timeoutMs, maxRateLimitWaits, now } = this.options;
    const family = endpointFamily(url.pathname);
    const base: Record<string, string> = request.headers ?? {
      Accept: "application/json",
      // Okta's documented way to leave credentials out of user objects.
      "Content-Type": "application/json; okta-response=omitCredentials,omitCredentialsLinks",
      "User-Agent": USER_AGENT,
    };
    const credentials = this.#credentials;
    let failures = 0;
    let rateLimited = 0;
    const renewed = new Set<string>();
    for (;;) {
      this.signal?.throwIfAborted();
      await this.pacer.take(family);
      let response: HttpResponse;
      let headers = base;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = this.signal ? AbortSignal.any([timeout, this.signal]) : timeout;
      try {
        // Inside the retries: a service app's token request fails and retries like any request.
        if (request.authenticated) headers = { ...base, ...(await credentials.authorize(url)) };
        if (request.form) {
          response = await this.transport.postForm(url, headers, request.form, signal);
        } else {
          this.requests++;
          response = await this.transport.get(url, headers, signal);
        }
      } catch (error) {
        this.signal?.throwIfAborted();
        if (!transient(error) || failures >= request.maxRetries) throw error;
        await this.wait(this.backoff(failures++));
        continue;
      }
      this.pacer.record(family, response.headers, now());
      const { status } = response;
      // A DPoP nonce or a new access token, each once.
      const renewal = status === 401 && request.authenticated ? credentials.renew(response, headers) : null;
      if (renewal && !renewed.has(renewal)) {
        renewed.add(renewal);
        continue;
      }
      if (status === 429 && rateLimited < maxRateLimitWaits) {
        rateLimited++;
        const reset = untilReset(response.headers);
        if (reset) await this.wait(reset.ms + 1000, reset.at);
        else await this.wait(this.backoff(rateLimited) + 1000);
      } else if (status >= 500 && failures < request.maxRetries) {
        await this.wait(this.backoff(failures++));
      } else {
        return response;
      }
    }
  }

  /**
   * Every wait of the client. One Okta asked for (`until`, on its clock) is capped, per wait and in
   * all, so a hostile reset cannot hold a sync; any wait ends at once when the signal aborts.
   */
  private async wait(ms: number, until?: Date): Promise<void> {
    const { maxWaitMs, waitBudgetMs, sleep } = this.options;
    if (until && (ms > maxWaitMs || this.waited + ms > waitBudgetMs)) {
      throw new OktaWaitRefusedError(until, { maxWaitMs, waitBudgetMs });
    }
    this.waited += ms;
    const signal = this.signal;
    if (!signal) return sleep(ms);
    signal.throwIfAborted();
    // Also for a sleep that ignores the signal (an injected one).
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([sleep(ms, signal), aborted]);
    } catch (error) {
      signal.throwIfAborted();
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  private backoff(attempt: number): number {
    const { backoffMs, random } = this.options;
    return Math.min(30_000, backoffMs * 2 ** attempt) * (0.5 + random() / 2);
  }
}

function parse<T>(response: HttpResponse, schema: z.ZodType<T>, path: string, scrub: Scrub): T {
  let json: unknown;
  try {
    json = parseUntrustedJson(response.body, scrub);
  } catch {
    throw new OktaResponseError("malformed", `Okta's answer to GET ${path} is not valid JSON.`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new OktaResponseError(
    "malformed",
    // The path may hold keys Okta chose: scrubbed as well.
    `Okta's answer to GET ${path} has an unexpected shape (${scrub(`${issue?.path.join(".") || "body"}: ${issue?.message}`).slice(0, 300)}).`,
  );
}
