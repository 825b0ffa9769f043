/**
 * What a user sync needs from a directory (Okta now; Azure AD or Google Workspace later).
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
}

export interface ListOptions {
  /** Incremental listing: only what changed after this instant. */
  updatedSince?: Date;
}

export interface DirectoryProvider {
  /** Members a page of `listGroupMembers` holds, to plan reads from a group's member count. */
  readonly memberPageSize: number;
  /** Time spent waiting on the directory's rate limits so far (a provider that waits). */
  readonly waitedMs?: number;
  /** Every user, all statuses (deprovisioned ones included), a page at a time. */
  listUsers(cursor: string | null, options?: ListOptions): Promise<Page<DirectoryPerson>>;
  /** Groups; with `updatedSince`, those whose profile or membership changed after it. */
  listGroups(cursor: string | null, options?: ListOptions): Promise<Page<DirectoryGroup>>;
  /** The external ids of a group's members, a page at a time. */
  listGroupMembers(groupExternalId: string, cursor: string | null): Promise<Page<string>>;
}
