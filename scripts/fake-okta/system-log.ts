import { randomBytes, randomUUID } from "node:crypto";
import { BadCursorError, type FakeGroup, type FakeUser, type Listing } from "./directory";
import { type Filter, FilterError, matches, parseFilter } from "./filter";

/**
 * The fake org's System Log (`GET /api/v1/logs`): the events Okta records for each change made to
 * the org, in Okta's `LogEvent` shape, and Okta's queries of it. The generated org's history
 * predates the log: only changes made after the fake started are in it.
 *
 * Queries are bounded (with `until`: events published in [since, until), the last page has no
 * `next`) or polling (no `until`, ascending: the answer always has a `next`, even when empty, to
 * ask again later). An optional publication delay makes an event visible only that long after it
 * was published, as Okta's eventually consistent log does.
 */

const DAY = 24 * 3600_000;
/** Okta keeps 90 days of events; a `since` further back answers 400. */
export const LOG_RETENTION_MS = 90 * DAY;
/** `since` defaults to 7 days before `until`. */
const DEFAULT_SPAN_MS = 7 * DAY;
/** `limit`: default and max (the spec allows 0 to 1000). */
export const LOG_PAGE_LIMITS = [100, 1000] as const;

/**
 * The event types the fake records: Okta's display message, and its legacy (Events API) type
 * where recorded Okta events show one (the field is absent otherwise: the spec has it non-null).
 */
const EVENT_TYPES = {
  "user.lifecycle.create": { message: "Create Okta user", legacy: "core.user.config.user_creation.success" },
  "user.lifecycle.activate": { message: "Activate Okta user", legacy: "core.user.config.user_activated" },
  "user.lifecycle.deactivate": {
    message: "Deactivate Okta user",
    legacy: "core.user.config.user_deactivated",
  },
  "user.lifecycle.suspend": { message: "Suspend Okta user" },
  "user.lifecycle.unsuspend": { message: "Unsuspend Okta user" },
  "user.lifecycle.delete.initiated": { message: "Delete Okta user" },
  "user.lifecycle.delete.completed": { message: "Delete Okta user completed" },
  "user.account.update_profile": {
    message: "Update user profile for Okta",
    legacy: "core.user.config.profile_update.success",
  },
  "user.account.lock": { message: "Max sign in attempts exceeded", legacy: "core.user_auth.account_locked" },
  "user.account.unlock": { message: "Unlock user account" },
  "user.account.reset_password": { message: "Reset password for Okta user" },
  "user.account.expire_password": { message: "Expire password for Okta user" },
  "user.account.update_password": {
    message: "Update password for Okta user",
    legacy: "core.user.config.password_update.success",
  },
  "group.lifecycle.create": { message: "Create Okta group" },
  "group.lifecycle.delete": { message: "Delete Okta group" },
  "group.profile.update": { message: "Update Okta group profile" },
  "group.user_membership.add": {
    message: "Add user to group membership",
    legacy: "core.user_group_member.user_add",
  },
  "group.user_membership.remove": {
    message: "Remove user from group membership",
    legacy: "core.user_group_member.user_remove",
  },
} satisfies Record<string, { message: string; legacy?: string }>;
export type LogEventType = keyof typeof EVENT_TYPES;

/**
 * The events of a user's status change, as Okta logs the transition; none for a return to STAGED,
 * which Okta has no way to make.
 */
export function statusEvents(from: string, to: string): LogEventType[] {
  if (from === to) return [];
  switch (to) {
    case "ACTIVE":
      if (from === "SUSPENDED") return ["user.lifecycle.unsuspend"];
      if (from === "LOCKED_OUT") return ["user.account.unlock"];
      if (from === "RECOVERY" || from === "PASSWORD_EXPIRED") return ["user.account.update_password"];
      return ["user.lifecycle.activate"];
    case "PROVISIONED":
      return ["user.lifecycle.activate"];
    case "SUSPENDED":
      return ["user.lifecycle.suspend"];
    case "DEPROVISIONED":
      return ["user.lifecycle.deactivate"];
    case "LOCKED_OUT":
      return ["user.account.lock"];
    case "RECOVERY":
      return ["user.account.reset_password"];
    case "PASSWORD_EXPIRED":
      return ["user.account.expire_password"];
    default:
      return [];
  }
}

interface LogTarget {
  id: string;
  type: "User" | "UserGroup";
  alternateId: string;
  displayName: string;
}

/** Okta's `LogEvent`, as the fake sends it. */
export interface LogEvent {
  uuid: string;
  published: string;
  eventType: LogEventType;
  version: "0";
  severity: "INFO";
  displayMessage: string;
  legacyEventType?: string;
  actor: { id: string; type: "User"; alternateId: string; displayName: string };
  client: {
    userAgent: { rawUserAgent: string; os: string; browser: string };
    zone: string;
    device: string;
    ipAddress: string;
  };
  authenticationContext: { authenticationStep: 0; externalSessionId: string };
  outcome: { result: "SUCCESS" };
  request: { ipChain: { ip: string; version: "V4" }[] };
  target: LogTarget[];
  transaction: { type: "WEB"; id: string; detail: { requestApiTokenId: string } };
}

/** One event of a change: its type and what it acted on (targets are listed User, then UserGroup). */
export interface LogChange {
  eventType: LogEventType;
  user?: FakeUser;
  group?: FakeGroup;
}

/** The admin whose API token makes every change. */
const ACTOR = {
  id: "00ufakeOktaAdmin0001",
  type: "User",
  alternateId: "admin@fake-okta.example",
  displayName: "Fake Okta Admin",
} as const;
const API_TOKEN_ID = "00TfakeOktaApiToken1";
const CLIENT = {
  userAgent: { rawUserAgent: "fake-okta", os: "Unknown", browser: "UNKNOWN" },
  zone: "null",
  device: "Unknown",
  ipAddress: "127.0.0.1",
};

/** What `filter` may name: `true` for timestamps (every operator), `false` for `eq` only. */
const LOG_FILTER = {
  eventType: false,
  legacyEventType: false,
  uuid: false,
  severity: false,
  displayMessage: false,
  "outcome.result": false,
  "actor.id": false,
  "actor.alternateId": false,
  "target.id": false,
  "target.type": false,
  "target.alternateId": false,
  "target.displayName": false,
  "transaction.id": false,
  published: true,
};

export interface LogQuery {
  /** Lower bound of `published`, inclusive (ms). */
  since: number;
  /** Upper bound, exclusive; null for a polling query, bounded only by what is visible yet. */
  until: number | null;
  filter: Filter | null;
  limit: number;
  descending: boolean;
  after: string | null;
}

/** A query parameter Okta would refuse: `parameter` names it, `message` says why. */
export class LogQueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function timestamp(params: URLSearchParams, name: string): number | null {
  const text = params.get(name);
  if (text === null) return null;
  const time = ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new LogQueryError(name, `${name} must be an ISO 8601 timestamp`);
  return time;
}

/** Reads `listLogEvents`' parameters as Okta does; throws `LogQueryError` for what it would refuse. */
export function parseLogQuery(params: URLSearchParams, now: number): LogQuery {
  if (params.has("q")) throw new LogQueryError("q", "the fake does not search log events by keyword");
  const until = timestamp(params, "until");
  const since = timestamp(params, "since") ?? (until ?? now) - DEFAULT_SPAN_MS;
  if (params.has("since") && since < now - LOG_RETENTION_MS) {
    throw new LogQueryError("since", "since is out of range: the System Log keeps 90 days");
  }
  if (until !== null && since > until) throw new LogQueryError("since", "since must not be after until");

  const sortOrder = params.get("sortOrder") ?? "ASCENDING";
  if (sortOrder !== "ASCENDING" && sortOrder !== "DESCENDING") {
    throw new LogQueryError("sortOrder", "sortOrder must be ASCENDING or DESCENDING");
  }
  const limitText = params.get("limit");
  const limit = limitText === null ? LOG_PAGE_LIMITS[0] : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0 || limit > LOG_PAGE_LIMITS[1]) {
    throw new LogQueryError("limit", `limit must be an integer from 0 to ${LOG_PAGE_LIMITS[1]}`);
  }
  const filterText = params.get("filter");
  let filter: Filter | null = null;
  try {
    filter = filterText === null ? null : parseFilter(filterText, LOG_FILTER);
  } catch (error) {
    if (error instanceof FilterError) throw new LogQueryError("filter", error.message);
    throw error;
  }
  const descending = sortOrder === "DESCENDING";
  // Okta: a request without `until` in ascending order polls; descending, it is bounded by now
  // (what was published in this very millisecond included).
  return {
    since,
    until: until ?? (descending ? now + 1 : null),
    filter,
    limit,
    descending,
    after: params.get("after"),
  };
}

/** A place in the log: events are ordered by (published, seq), seq breaking ties. */
type Position = readonly [at: number, seq: number];
interface Entry {
  at: number;
  seq: number;
  event: LogEvent;
}
const compare = (entry: Entry, [at, seq]: Position) => entry.at - at || entry.seq - seq;
const encodeCursor = ([at, seq]: Position) => Buffer.from(`log\n${at}\n${seq}`).toString("base64url");
function decodeCursor(after: string): Position {
  const [kind, at, seq] = Buffer.from(after, "base64url").toString("utf8").split("\n");
  const position = [Number(at), Number(seq)] as const;
  if (kind !== "log" || !position.every(Number.isInteger)) {
    throw new BadCursorError(`Invalid after cursor: ${after}`);
  }
  return position;
}

export class SystemLog {
  /** Sorted by (published, seq). */
  private readonly entries: Entry[] = [];
  private sequence = 0;

  constructor(
    private readonly now: () => number,
    /** How long after it is published an event becomes visible to queries (ms). */
    public delayMs = 0,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** Every event recorded, oldest first, visible yet or not. */
  events(): LogEvent[] {
    return this.entries.map((entry) => entry.event);
  }

  /** Records the events of one change, published now, in one transaction. */
  record(...changes: LogChange[]): void {
    if (changes.length === 0) return;
    const at = this.now();
    const transaction = randomBytes(20).toString("base64url").slice(0, 27);
    for (const { eventType, user, group } of changes) {
      const { message, legacy }: { message: string; legacy?: string } = EVENT_TYPES[eventType];
      const entry: Entry = {
        at,
        seq: this.sequence++,
        event: {
          uuid: randomUUID(),
          published: new Date(at).toISOString(),
          eventType,
          version: "0",
          severity: "INFO",
          displayMessage: message,
          ...(legacy ? { legacyEventType: legacy } : {}),
          actor: { ...ACTOR },
          client: CLIENT,
          authenticationContext: {
            authenticationStep: 0,
            externalSessionId: `trs${transaction.slice(0, 22)}`,
          },
          outcome: { result: "SUCCESS" },
          request: { ipChain: [{ ip: CLIENT.ipAddress, version: "V4" }] },
          target: [...(user ? [userTarget(user)] : []), ...(group ? [groupTarget(group)] : [])],
          transaction: { type: "WEB", id: transaction, detail: { requestApiTokenId: API_TOKEN_ID } },
        },
      };
      // The clock may stand still or be set back in tests: keep the order by (published, seq).
      const last = this.entries.at(-1);
      if (!last || compare(last, [at, entry.seq]) < 0) this.entries.push(entry);
      else this.entries.splice(this.countBelow([at, entry.seq]), 0, entry);
    }
  }

  /** A page of the events `query` selects, and the cursor of the next page (always one when polling). */
  list(query: LogQuery): Listing<LogEvent> {
    const { filter, limit, descending, since } = query;
    // Events published less than the delay ago are not visible yet.
    const visibleBefore = this.now() - this.delayMs + 1;
    const upper: Position = [Math.min(query.until ?? visibleBefore, visibleBefore), -1];
    const lower: Position = [since, -1];
    const cursor = query.after === null ? null : decodeCursor(query.after);
    const keep = (entry: Entry) =>
      !filter || matches(filter, (attribute) => logAttribute(entry.event, attribute));
    // Scans from index `i` by `step` to `end`, keeping what the filter accepts.
    const page = (i: number, end: number, step: 1 | -1) => {
      const items: LogEvent[] = [];
      let last: Position | null = null;
      for (; i !== end && items.length < limit; i += step) {
        const entry = this.entries[i] as Entry;
        last = [entry.at, entry.seq];
        if (keep(entry)) items.push(entry.event);
      }
      return { items, last, more: i !== end };
    };

    if (descending) {
      // Down from just below `until` (or the cursor) to `since`.
      const from = Math.min(this.countBelow(upper), cursor ? this.countBelow(cursor) : Infinity) - 1;
      const end = this.countBelow(lower) - 1;
      const { items, last, more } = page(Math.max(from, end), end, -1);
      return { items, after: more ? encodeCursor(last ?? cursor ?? upper) : null };
    }
    const from = Math.max(this.countBelow(lower), cursor ? this.countBelow(cursor, true) : 0);
    const { items, last, more } = page(from, Math.max(from, this.countBelow(upper)), 1);
    return { items, after: more || query.until === null ? encodeCursor(last ?? cursor ?? lower) : null };
  }

  /** How many entries lie before `position` (or at it, with `inclusive`). */
  private countBelow(position: Position, inclusive = false): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const c = compare(this.entries[mid] as Entry, position);
      if (c < 0 || (inclusive && c === 0)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function userTarget(user: FakeUser): LogTarget {
  const login = String(user.profile.login ?? user.id);
  const name = [user.profile.firstName, user.profile.lastName].filter((part) => typeof part === "string");
  return { id: user.id, type: "User", alternateId: login, displayName: name.join(" ") || login };
}

/** Okta sends "unknown" as a group target's alternateId. */
function groupTarget(group: FakeGroup): LogTarget {
  return { id: group.id, type: "UserGroup", alternateId: "unknown", displayName: group.name };
}

function logAttribute(event: LogEvent, attribute: string): string | number | readonly string[] | null {
  if (attribute === "published") return Date.parse(event.published);
  const [head = "", field = ""] = attribute.split(".");
  if (head === "target") return event.target.map((target) => target[field as keyof LogTarget]);
  const value: unknown = field
    ? (event[head as keyof LogEvent] as Record<string, unknown> | undefined)?.[field]
    : event[head as keyof LogEvent];
  return typeof value === "string" ? value : null;
}
