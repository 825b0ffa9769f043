/**
 * What a user sync needs from a directory (Okta, Microsoft Entra ID, Google Workspace).
 * Listings are paged with opaque cursors so that each Inngest step can fetch a few pages,
 * write them, and hand the cursor to the next step.
 */

/** A user as the directory describes it, normalised from the provider's shape. */
export interface DirectoryPerson {
  externalId: string;
  /** Provider status, upper case (Okta: ACTIVE, STAGED, …, DEPROVISIONED). */
  status: string;
  /** The sign-in name (Okta `profile.login`): the Username unique field. */
  username: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  /** Every profile attribute the provider sent, nulls included. */
  profile: Record<string, unknown>;
  /** When the directory created the user (Okta `created`). */
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface DirectoryGroup {
  externalId: string;
  name: string;
  description: string | null;
  /** Okta: OKTA_GROUP, APP_GROUP or BUILT_IN. */
  type: string | null;
  /** How many members the directory counts; null when it does not say. */
  memberCount: number | null;
  updatedAt: Date | null;
  membershipUpdatedAt: Date | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last page. */
  next: string | null;
  /** A delta listing's entries the directory removed (Graph's `@removed`): their external ids. */
  removed?: string[];
  /** On a delta listing's last page: where the next delta listing starts (`ChangeFeed`). */
  position?: string;
}

export interface ListOptions {
  /** Incremental listing: only what changed after this instant. */
  updatedSince?: Date;
  /** Delta listing: only what changed after this position, which a listing of the feed handed out. */
  changesFrom?: string;
}

export type FeedKind = "users" | "groups";

/** Where the users' and the groups' delta listings start (Graph: their `@odata.deltaLink`s). */
export type FeedPositions = Record<FeedKind, string>;

/**
 * A directory whose listings are also its change feed (Microsoft Graph's delta queries): a delta
 * listing (`ListOptions.changesFrom`) returns what was created or changed after a position, and
 * what was removed (`Page.removed`), and hands out the next position on its last page. Group
 * listings then carry a moved `membershipUpdatedAt` for every group whose users changed.
 */
export interface ChangeFeed {
  /** How long a position can be read from (Graph: 7 days for users and groups). */
  readonly retentionMs: number;
  /** The positions as they stand now, taken before a full listing: the next run reads what changed after. */
  positions(): Promise<FeedPositions>;
}

/**
 * One change the directory's change log recorded (Okta's System Log), normalised. Only what the
 * listings cannot tell cheaply: memberships added and removed, groups created and deleted, users
 * deleted. User creations and updates come from the users listing's `updatedSince`.
 */
export type DirectoryChange = {
  /** The log's id for the event (Okta `uuid`): the same event read twice has the same id. */
  id: string;
  /** When it happened (Okta `published`). Changes are applied in this order. */
  at: Date;
} & (
  | { kind: "membership-added" | "membership-removed"; groupExternalId: string; userExternalId: string }
  | { kind: "group-created" | "group-deleted"; groupExternalId: string }
  | { kind: "user-deleted"; userExternalId: string }
);

export interface ChangeListOptions {
  /** Lower bound of the changes' `at`, inclusive. */
  since: Date;
  /** Upper bound, exclusive: a bounded listing whose last page has no `next`. */
  until: Date;
}

/** Why a change log cannot be used for a run: the run then reads the listings instead. */
export type ChangeLogUnavailableReason =
  /** The credentials may not read the log (Okta 403: no `okta.logs.read`, or an admin role without it). */
  | "forbidden"
  /** `since` is older than the log keeps (Okta: 90 days). */
  | "retention"
  /** The listing ended before `until` or could not be read to its end. */
  | "cut-short"
  /** The directory wants a full listing before it hands out changes again (Graph's 410 resync). */
  | "reset";

export class ChangeLogUnavailableError extends Error {
  constructor(
    readonly reason: ChangeLogUnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = "ChangeLogUnavailableError";
  }
}

/**
 * The group is gone from the directory (Okta: 404 on its members), deleted after the run listed
 * it: its members are not read this run, and the log or the next full listing removes it.
 */
export class GroupGoneError extends Error {
  constructor(readonly groupExternalId: string) {
    super(`The group ${groupExternalId} no longer exists in the directory.`);
    this.name = "GroupGoneError";
  }
}

/**
 * A directory client's error that no retry can fix (credentials refused, a permission missing, no
 * such tenant): it carries `permanent: true`, and the run fails at once instead of retrying for
 * minutes. (Okta's client says so with `retryCannotFix`.)
 */
export const isPermanentFailure = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { permanent?: unknown }).permanent === true;

export interface DirectoryProvider {
  /** Members a page of `listGroupMembers` holds, to plan reads from a group's member count. */
  readonly memberPageSize: number;
  /** Requests sent so far, retries included (a provider that counts them). */
  readonly requestCount?: number;
  /** Time spent waiting on the directory's rate limits so far (a provider that waits). */
  readonly waitedMs?: number;
  /** Every user, all statuses (deprovisioned ones included), a page at a time. */
  listUsers(cursor: string | null, options?: ListOptions): Promise<Page<DirectoryPerson>>;
  /** Groups; with `updatedSince`, those whose profile or membership changed after it. */
  listGroups(cursor: string | null, options?: ListOptions): Promise<Page<DirectoryGroup>>;
  /** The external ids of a group's members, a page at a time; `GroupGoneError` for a deleted group. */
  listGroupMembers(groupExternalId: string, cursor: string | null): Promise<Page<string>>;
  /**
   * The change log between `since` and `until`, oldest first, a page at a time; absent when the
   * directory has none. Throws `ChangeLogUnavailableError` when it cannot be used.
   */
  listChanges?(cursor: string | null, options: ChangeListOptions): Promise<Page<DirectoryChange>>;
  /** The directory's change feed, when its listings are one. A position it cannot read from: `ChangeLogUnavailableError`. */
  readonly changeFeed?: ChangeFeed;
}
