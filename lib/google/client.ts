import { z } from "zod";
import { parseAnswer } from "@/lib/directory/answer";
import { PacedRequests, type PacingOptions, type WaitCaps } from "@/lib/directory/paced-requests";
import {
  type DirectoryGroup,
  type DirectoryPerson,
  type DirectoryProvider,
  GroupGoneError,
  type Page,
} from "@/lib/directory/types";
import type { Resolve } from "@/lib/okta/domain";
import { OktaConnectionError, OktaResponseError } from "@/lib/okta/errors";
import { createTransport, type HttpResponse } from "@/lib/okta/transport";
import {
  apiError,
  GoogleApiError,
  GoogleConnectionError,
  GoogleResponseError,
  GoogleWaitRefusedError,
  isRateLimited,
  readGoogleError,
} from "./errors";
import type { ServiceAccountKey } from "./service-account-key";
import { ServiceAccountTokens, TOKEN_PATH } from "./token";

const USER_AGENT = "okta-workspace-user-sync";

/** Google's hosts: the only ones a production client talks to. */
export const GOOGLE_ENDPOINTS = {
  token: "https://oauth2.googleapis.com",
  api: "https://admin.googleapis.com",
} as const;

export interface GoogleClientOptions extends PacingOptions {
  key: ServiceAccountKey;
  /** The Workspace admin the service account acts as (domain-wide delegation). */
  adminEmail: string;
  /** The Workspace customer ID (`C0…`), or `my_customer` (the default): the admin's own. */
  customerId?: string;
  /**
   * Other origins for the token endpoint and the API: accepted only on http(s)://127.0.0.1 or
   * localhost with `allowInsecureLocalhost` (tests, and `npm run dev` against the fake).
   */
  endpoints?: { token: string; api: string };
  allowInsecureLocalhost?: boolean;
  resolve?: Resolve;
  /**
   * Waits after a quota answer (403 rateLimitExceeded / userRateLimitExceeded, or 429) before giving
   * up (default 8: backoff of 1, 2, 4 … 32 s reaches past Google's per-minute window).
   */
  maxRateLimitWaits?: number;
  /** The longest single wait a `Retry-After` may ask for (default 60 s); longer fails the request. */
  maxWaitMs?: number;
  /** All the waits of this client together, backoff included (default 5 min). */
  waitBudgetMs?: number;
  /** First retry delay; it doubles each retry, with jitter (default 500 ms; quota waits start at 1 s). */
  backoffMs?: number;
}

const USERS_PATH = "/admin/directory/v1/users";
const GROUPS_PATH = "/admin/directory/v1/groups";
/** Users a page: the Directory API's maximum. */
const USER_PAGE_SIZE = 500;
/** Groups and members a page: the API's maxima. */
const GROUP_PAGE_SIZE = 200;
const MEMBER_PAGE_SIZE = 200;
/** The longest backoff between quota retries, as Google's guidance caps it. */
const MAX_BACKOFF_MS = 32_000;
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const CUSTOMER_ID = /^(my_customer|C[0-9a-z]{5,20})$/i;

const GoogleUser = z.looseObject({
  id: z.string().min(1).max(64),
  primaryEmail: z.string().max(320),
  name: z
    .looseObject({
      givenName: z.string().nullish(),
      familyName: z.string().nullish(),
      fullName: z.string().nullish(),
    })
    .nullish(),
  suspended: z.boolean().nullish(),
  archived: z.boolean().nullish(),
  creationTime: z.string().nullish(),
  orgUnitPath: z.string().nullish(),
});
const GoogleGroup = z.looseObject({
  id: z.string().min(1).max(64),
  email: z.string().max(320),
  name: z.string().nullish(),
  description: z.string().nullish(),
});
const GoogleMember = z.looseObject({
  id: z.string().max(64).nullish(),
  type: z.string().nullish(),
  status: z.string().nullish(),
});
const PAGE_TOKEN = z.string().regex(/^[\x21-\x7e]{1,2048}$/);
const UsersPage = z.looseObject({
  users: z.array(GoogleUser).optional(),
  nextPageToken: PAGE_TOKEN.optional(),
});
const GroupsPage = z.looseObject({
  groups: z.array(GoogleGroup).optional(),
  nextPageToken: PAGE_TOKEN.optional(),
});
const MembersPage = z.looseObject({
  members: z.array(GoogleMember).optional(),
  nextPageToken: PAGE_TOKEN.optional(),
});

/** A cursor: which listing (and group) it continues, and Google's page token. */
const Cursor = z.object({
  listing: z.enum(["users", "groups", "members"]),
  group: z.string().optional(),
  pageToken: PAGE_TOKEN,
});
type Listing = z.infer<typeof Cursor>["listing"];

const date = (text: string | null | undefined) => {
  const time = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(time) ? null : new Date(time);
};

/**
 * An archived user keeps their data but cannot sign in and holds no license: Workspace's nearest
 * to a departed employee, so DEPROVISIONED (the sync's deletion policy applies). Suspended users
 * can be restored by an admin: SUSPENDED. Deleted users leave the listing altogether.
 */
function status(user: z.infer<typeof GoogleUser>): string {
  if (user.archived) return "DEPROVISIONED";
  return user.suspended ? "SUSPENDED" : "ACTIVE";
}

/** The user's top-level scalars (orgUnitPath, isAdmin, lastLoginTime, …) and the parts of its name. */
function profileOf(user: z.infer<typeof GoogleUser>): Record<string, unknown> {
  const profile: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key === "kind" || key === "etag") continue;
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) profile[key] = value;
  }
  profile.givenName = user.name?.givenName ?? null;
  profile.familyName = user.name?.familyName ?? null;
  profile.fullName = user.name?.fullName ?? null;
  profile.orgUnitPath = user.orgUnitPath ?? null;
  return profile;
}

export function toDirectoryPerson(user: z.infer<typeof GoogleUser>): DirectoryPerson {
  return {
    externalId: user.id,
    status: status(user),
    username: user.primaryEmail,
    email: user.primaryEmail,
    firstName: user.name?.givenName ?? null,
    lastName: user.name?.familyName ?? null,
    displayName: user.name?.fullName ?? null,
    profile: profileOf(user),
    createdAt: date(user.creationTime),
    updatedAt: null,
  };
}

function toDirectoryGroup(group: z.infer<typeof GoogleGroup>): DirectoryGroup {
  return {
    externalId: group.id,
    name: group.name || group.email,
    description: group.description || null,
    type: "Google Group",
    // Google counts direct members only; members are listed flattened (nested groups' users too).
    memberCount: null,
    updatedAt: null,
    membershipUpdatedAt: null,
  };
}

/** Validates `endpoints`: only local origins, and only when insecure localhost is allowed. */
function endpointOrigins(options: GoogleClientOptions): { token: string; api: string; local: boolean } {
  if (!options.endpoints) return { ...GOOGLE_ENDPOINTS, local: false };
  const origins = [options.endpoints.token, options.endpoints.api].map((text) => {
    const url = URL.canParse(text) ? new URL(text) : null;
    const ok =
      url !== null &&
      options.allowInsecureLocalhost === true &&
      /^https?:$/.test(url.protocol) &&
      LOCAL_HOSTS.has(url.hostname) &&
      !url.username &&
      !url.password &&
      url.pathname === "/" &&
      !url.search &&
      !url.hash;
    if (!ok) {
      throw new GoogleConnectionError(
        "invalid_endpoint",
        "Google Workspace is reached only at Google's own hosts (other endpoints are for local development, on localhost).",
      );
    }
    return url.origin;
  });
  return { token: origins[0] as string, api: origins[1] as string, local: true };
}

/** A transport failure as this client's error (the transport's messages name hosts and codes only). */
function fromTransport(error: unknown): unknown {
  if (error instanceof OktaConnectionError) {
    const reason = error.reason === "invalid_domain" ? "invalid_endpoint" : error.reason;
    return new GoogleConnectionError(reason, error.message);
  }
  if (error instanceof OktaResponseError) return new GoogleResponseError(error.reason, error.message);
  return error;
}

const transient = (error: unknown) =>
  error instanceof GoogleConnectionError && (error.reason === "timeout" || error.reason === "network");

/** `Retry-After` in ms (seconds or an HTTP date, read against the answer's own `Date`); null without one. */
function retryAfter(response: HttpResponse): number | null {
  const value = [response.headers["retry-after"]].flat()[0];
  if (value === undefined) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  const now = Date.parse([response.headers.date].flat()[0] ?? "");
  if (Number.isNaN(at)) return Number.POSITIVE_INFINITY;
  return Math.max(0, at - (Number.isNaN(now) ? Date.now() : now));
}

/**
 * Google Workspace through the Admin SDK Directory API, read-only: users, groups and their
 * members (nested groups flattened), as a service account acting as a Workspace admin. Paced by a
 * concurrency cap, quota answers waited out with exponential backoff, 5xx and network failures
 * retried. No change log: every run lists everything (`updatedSince` is ignored).
 */
export class GoogleDirectoryClient implements DirectoryProvider {
  readonly memberPageSize = MEMBER_PAGE_SIZE;
  readonly customerId: string;
  readonly #tokens: ServiceAccountTokens;
  private readonly apiOrigin: string;
  private readonly paced: PacedRequests;

  constructor(options: GoogleClientOptions) {
    const origins = endpointOrigins(options);
    this.paced = new PacedRequests(options, {
      transport: createTransport({
        checkAddresses: !origins.local,
        resolve: options.resolve,
        tokenPath: TOKEN_PATH,
      }),
      maxRateLimitWaits: 8,
      maxWaitMs: 60_000,
      maxBackoffMs: MAX_BACKOFF_MS,
      sharedLimits: "Google's quota is shared by the whole project",
      overBudget: ({ waitBudgetMs }) =>
        new GoogleWaitRefusedError(
          `Google's quota stayed used up longer than a sync waits in a step (${waitBudgetMs / 1000} s); try again later.`,
        ),
    });
    const customerId = options.customerId?.trim() || "my_customer";
    if (!CUSTOMER_ID.test(customerId)) throw new RangeError("customerId must be my_customer or a C… ID");
    this.customerId = customerId;
    this.apiOrigin = origins.api;
    this.#tokens = new ServiceAccountTokens({
      key: options.key,
      adminEmail: options.adminEmail.trim(),
      tokenUrl: new URL(TOKEN_PATH, origins.token),
      now: this.paced.now,
      send: (url, form) => this.exchange(url, { form }),
    });
  }

  /** API requests sent so far, retries included; token requests are not among them. */
  get requestCount(): number {
    return this.paced.requestCount;
  }

  /** Every wait so far (quota and backoff), in milliseconds. */
  get waitedMs(): number {
    return this.paced.waitedMs;
  }

  /** Every user (suspended and archived included), 500 a page, by primary email. `updatedSince` is ignored. */
  async listUsers(cursor: string | null): Promise<Page<DirectoryPerson>> {
    const query = {
      customer: this.customerId,
      maxResults: String(USER_PAGE_SIZE),
      projection: "basic",
      orderBy: "email",
    };
    const page = await this.page("users", USERS_PATH, query, cursor, UsersPage);
    return { items: (page.body.users ?? []).map(toDirectoryPerson), next: page.next };
  }

  /** Every group, 200 a page. `updatedSince` is ignored. */
  async listGroups(cursor: string | null): Promise<Page<DirectoryGroup>> {
    const query = { customer: this.customerId, maxResults: String(GROUP_PAGE_SIZE) };
    const page = await this.page("groups", GROUPS_PATH, query, cursor, GroupsPage);
    return { items: (page.body.groups ?? []).map(toDirectoryGroup), next: page.next };
  }

  /**
   * The ids of a group's member users, nested groups' users included (`includeDerivedMembership`),
   * 200 entries a page (fewer ids when a page holds groups or the customer, which are not users).
   */
  async listGroupMembers(groupExternalId: string, cursor: string | null): Promise<Page<string>> {
    const path = `${GROUPS_PATH}/${encodeURIComponent(groupExternalId)}/members`;
    const query = { maxResults: String(MEMBER_PAGE_SIZE), includeDerivedMembership: "true" };
    const page = await this.page("members", path, query, cursor, MembersPage, groupExternalId).catch(
      (error: unknown) => {
        if (error instanceof GoogleApiError && error.status === 404)
          throw new GroupGoneError(groupExternalId);
        throw error;
      },
    );
    const ids = new Set<string>();
    for (const member of page.body.members ?? []) {
      // A user met through several nested groups is listed once per path.
      if (
        member.type === "USER" &&
        member.id &&
        (member.status === "ACTIVE" || member.status === "SUSPENDED")
      )
        ids.add(member.id);
    }
    return { items: [...ids], next: page.next };
  }

  private async page<T extends { nextPageToken?: string }>(
    listing: Listing,
    path: string,
    query: Record<string, string>,
    cursor: string | null,
    schema: z.ZodType<T>,
    group?: string,
  ): Promise<{ body: T; next: string | null }> {
    const url = new URL(path, this.apiOrigin);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    if (cursor !== null) url.searchParams.set("pageToken", this.readCursor(cursor, listing, group));
    const response = await this.get(url, listing);
    const body = parseAnswer(response, schema, this.#tokens.scrub, malformed(path));
    const token = body.nextPageToken;
    return {
      body,
      next: token ? JSON.stringify({ listing, ...(group ? { group } : {}), pageToken: token }) : null,
    };
  }

  /** A cursor continues the listing (and group) it came from, on the configured API host: nothing else. */
  private readCursor(cursor: string, listing: Listing, group: string | undefined): string {
    let parsed: z.infer<typeof Cursor> | null = null;
    try {
      parsed = Cursor.parse(JSON.parse(cursor));
    } catch {
      // Refused below.
    }
    if (!parsed || parsed.listing !== listing || parsed.group !== group) {
      throw new GoogleResponseError(
        "bad_cursor",
        `Refusing a page cursor that does not continue this ${listing} listing.`,
      );
    }
    return parsed.pageToken;
  }

  private get(url: URL, listing: Listing): Promise<HttpResponse> {
    return this.paced.run(async () => {
      const response = await this.exchange(url, {});
      const { status } = response;
      if (status >= 300 && status < 400) {
        // Its target is untrusted text (it may carry a token): neither followed nor shown.
        throw new GoogleResponseError(
          "redirect",
          `${url.host} answered GET ${url.pathname} with a redirect (HTTP ${status}); redirects are not followed.`,
        );
      }
      if (status < 200 || status >= 400) {
        throw apiError(status, response.body, url.pathname, this.#tokens.scrub, listing);
      }
      return response;
    });
  }

  /**
   * One request retried and waited for until it has an answer worth returning (`PacedRequests`): a
   * GET of the API (with the access token, renewed once after a 401), or the token request
   * (`form`). A quota answer is waited out as its `Retry-After` asks, within caps, or with backoff
   * from 1 s; past the caps, `GoogleWaitRefusedError`.
   */
  private exchange(url: URL, request: { form?: URLSearchParams }): Promise<HttpResponse> {
    const base = { Accept: "application/json", "User-Agent": USER_AGENT };
    let authorization = "";
    let renewed = false;
    return this.paced.send({
      url,
      form: request.form,
      headers: async () => {
        if (request.form) return base;
        authorization = await this.#tokens.authorization();
        return { ...base, Authorization: authorization };
      },
      failure: fromTransport,
      retryable: transient,
      renewed: (response) => {
        if (response.status !== 401 || request.form || renewed) return false;
        renewed = true;
        this.#tokens.invalidate(authorization);
        return true;
      },
      throttled: (response) => {
        const reason =
          response.status === 403 ? readGoogleError(response.body, this.#tokens.scrub).reason : null;
        if (!isRateLimited(response.status, reason)) return null;
        const asked = retryAfter(response);
        return (waits) =>
          asked === null
            ? { ms: this.paced.backoff(waits, 1000) }
            : { ms: asked, refusal: (caps) => askedTooLong(asked, caps) };
      },
    });
  }
}

/** A `Retry-After` past the caps. */
function askedTooLong(ms: number, { maxWaitMs, waitBudgetMs }: WaitCaps): GoogleWaitRefusedError {
  const seconds = Number.isFinite(ms) ? `${Math.ceil(ms / 1000)} s` : "an unreadable time";
  return new GoogleWaitRefusedError(
    `Google asked to wait ${seconds} before trying again, longer than a sync waits for its quota ` +
      `(${maxWaitMs / 1000} s at a time, ${waitBudgetMs / 1000} s in a step). The run stopped; try again later.`,
  );
}

/** A malformed answer to a GET of `path`, as `parseAnswer` reports it. */
const malformed = (path: string) => (problem: string) =>
  new GoogleResponseError("malformed", `Google's answer to GET ${path} ${problem}.`);
