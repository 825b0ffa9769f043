import { type Filter, lowerBound, matches } from "./filter";
import { type SystemLog, statusEvents } from "./system-log";

/**
 * The fake org's state: users, groups and memberships, kept sorted and indexed so that a page
 * costs O(log N + page size) whatever N is. Timestamps are ms on the fake's clock. Every change
 * after loading is recorded in the System Log as the events Okta logs for it.
 */

export const USER_STATUSES = [
  "ACTIVE",
  "STAGED",
  "PROVISIONED",
  "RECOVERY",
  "PASSWORD_EXPIRED",
  "LOCKED_OUT",
  "SUSPENDED",
  "DEPROVISIONED",
] as const;
export type GroupType = "OKTA_GROUP" | "APP_GROUP" | "BUILT_IN";

export interface FakeUser {
  id: string;
  status: string;
  created: number;
  activated: number | null;
  statusChanged: number | null;
  lastLogin: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  profile: Record<string, unknown>;
}

export interface FakeGroup {
  id: string;
  type: GroupType;
  created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
  name: string;
  description: string | null;
  /** Member ids, sorted; null for the BUILT_IN Everyone group, whose members are all users. */
  members: string[] | null;
}

export interface Listing<T> {
  items: T[];
  /** Opaque `after` value for the next page, or null on the last. */
  after: string | null;
}

export class NotFoundError extends Error {}
export class BadCursorError extends Error {}

/** Index of the first element of sorted `items` whose key is greater than `key` (or ≥ with `inclusive`). */
function firstAfter<T, K>(
  items: readonly T[],
  key: K,
  compare: (item: T, key: K) => number,
  inclusive = false,
) {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const c = compare(items[mid] as T, key);
    if (c < 0 || (c === 0 && !inclusive)) low = mid + 1;
    else high = mid;
  }
  return low;
}
const byId = (item: { id: string }, id: string) => (item.id < id ? -1 : item.id > id ? 1 : 0);
const byUpdated = (user: FakeUser, [time, id]: [number, string]) => user.lastUpdated - time || byId(user, id);

const encodeCursor = (parts: (string | number)[]) => Buffer.from(parts.join("\n")).toString("base64url");
function decodeCursor(after: string): string[] {
  const parts = Buffer.from(after, "base64url").toString("utf8").split("\n");
  if (parts.length < 2 || !parts.every(Boolean)) throw new BadCursorError(`Invalid after cursor: ${after}`);
  return parts;
}

/** The page of `sorted[start…]` items that `keep` accepts, and the cursor after it if more remain. */
function scan<T>(
  sorted: readonly T[],
  start: number,
  limit: number,
  keep: (item: T) => boolean,
  cursor: (last: T) => (string | number)[],
): Listing<T> {
  const items: T[] = [];
  let i = start;
  for (; i < sorted.length && items.length < limit; i++) if (keep(sorted[i] as T)) items.push(sorted[i] as T);
  const last = items.at(-1);
  return { items, after: i < sorted.length && last !== undefined ? encodeCursor(cursor(last)) : null };
}
const all = () => true;
const idCursor = (item: { id: string }) => ["id", item.id];

export class Directory {
  /** Sorted by id. */
  readonly users: FakeUser[] = [];
  /** Sorted by id. */
  readonly groups: FakeGroup[] = [];
  private readonly userById = new Map<string, FakeUser>();
  private readonly groupById = new Map<string, FakeGroup>();
  /** Users by (lastUpdated, id), rebuilt lazily after changes: incremental listings scan from their bound. */
  private byUpdated: FakeUser[] | null = null;
  private sequence = 0;

  constructor(
    readonly now: () => number,
    private readonly newId: (prefix: string, sequence: number) => string,
    readonly log: SystemLog,
  ) {}

  /** Adds records as they are (generation and JSON loading); ids must be new. */
  load(users: FakeUser[], groups: FakeGroup[]): void {
    for (const user of users) this.userById.set(user.id, user);
    for (const group of groups) this.groupById.set(group.id, group);
    this.users.push(...users);
    this.groups.push(...groups);
    this.users.sort((a, b) => byId(a, b.id));
    this.groups.sort((a, b) => byId(a, b.id));
    for (const group of groups) group.members?.sort();
    this.sequence = this.users.length + this.groups.length;
    this.byUpdated = null;
  }

  user(id: string): FakeUser {
    const user = this.userById.get(id);
    if (!user) throw new NotFoundError(`Not found: Resource not found: ${id} (User)`);
    return user;
  }

  group(id: string): FakeGroup {
    const group = this.groupById.get(id);
    if (!group) throw new NotFoundError(`Not found: Resource not found: ${id} (UserGroup)`);
    return group;
  }

  get everyone(): FakeGroup | undefined {
    return this.groups.find((g) => g.type === "BUILT_IN" && g.members === null);
  }

  membershipCount(): number {
    return this.groups.reduce((sum, g) => sum + (g.members?.length ?? this.users.length), 0);
  }

  /**
   * Users in id order, or in (lastUpdated, id) order when the filter bounds lastUpdated from
   * below (Okta's incremental listing), so such a page needs no scan of older users.
   */
  listUsers(filter: Filter | null, after: string | null, limit: number): Listing<FakeUser> {
    // Like Okta, a listing without a filter leaves out DEPROVISIONED users.
    const keep = filter
      ? (u: FakeUser) => matches(filter, (attribute) => userAttribute(u, attribute))
      : (u: FakeUser) => u.status !== "DEPROVISIONED";
    const since = filter ? lowerBound(filter, "lastUpdated") : undefined;
    if (since === undefined) {
      return scan(
        this.users,
        after ? firstAfter(this.users, cursorId(after), byId) : 0,
        limit,
        keep,
        idCursor,
      );
    }
    this.byUpdated ??= [...this.users].sort((a, b) => a.lastUpdated - b.lastUpdated || byId(a, b.id));
    const start = after
      ? firstAfter(this.byUpdated, updatedCursor(after), byUpdated)
      : firstAfter(this.byUpdated, [since, ""], byUpdated, true);
    return scan(this.byUpdated, start, limit, keep, (u) => ["updated", u.lastUpdated, u.id]);
  }

  listGroups(filter: Filter | null, after: string | null, limit: number): Listing<FakeGroup> {
    const keep = (g: FakeGroup) => !filter || matches(filter, (attribute) => groupAttribute(g, attribute));
    return scan(
      this.groups,
      after ? firstAfter(this.groups, cursorId(after), byId) : 0,
      limit,
      keep,
      idCursor,
    );
  }

  listMembers(groupId: string, after: string | null, limit: number): Listing<FakeUser> {
    const ids = this.group(groupId).members;
    if (ids === null) {
      return scan(
        this.users,
        after ? firstAfter(this.users, cursorId(after), byId) : 0,
        limit,
        all,
        idCursor,
      );
    }
    const start = after ? firstAfter(ids, cursorId(after), (a, b) => byId({ id: a }, b)) : 0;
    const page = scan(ids, start, limit, all, (id) => ["id", id]);
    return { items: page.items.map((id) => this.user(id)), after: page.after };
  }

  // Changes, as an admin would make them in Okta. Each moves lastUpdated to the fake's now and is
  // logged. Like Okta, the log has no membership events for the Everyone group, nor for the
  // memberships a deleted user or group takes with it.

  createUser(profile: Record<string, unknown>, status = "ACTIVE"): FakeUser {
    const now = this.now();
    const user: FakeUser = {
      id: this.newId("00u", this.sequence++),
      status,
      created: now,
      activated: status === "ACTIVE" ? now : null,
      statusChanged: now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: null,
      profile: { firstName: null, lastName: null, mobilePhone: null, secondEmail: null, ...profile },
    };
    this.users.splice(firstAfter(this.users, user.id, byId), 0, user);
    this.userById.set(user.id, user);
    this.touchEveryone(now);
    this.byUpdated = null;
    this.log.record(
      { eventType: "user.lifecycle.create", user },
      ...statusEvents("STAGED", status).map((eventType) => ({ eventType, user })),
    );
    return user;
  }

  updateUser(id: string, profile: Record<string, unknown>): FakeUser {
    const user = this.user(id);
    user.profile = { ...user.profile, ...profile };
    this.touch(user);
    this.log.record({ eventType: "user.account.update_profile", user });
    return user;
  }

  setUserStatus(id: string, status: string): FakeUser {
    const user = this.user(id);
    const events = statusEvents(user.status, status);
    user.status = status;
    user.statusChanged = this.now();
    this.touch(user);
    this.log.record(...events.map((eventType) => ({ eventType, user })));
    return user;
  }

  deactivateUser(id: string): FakeUser {
    return this.setUserStatus(id, "DEPROVISIONED");
  }

  /**
   * Okta deletes only deactivated users; the fake deletes any, so tests need one call, and logs
   * the deactivation Okta's first call would have made.
   */
  deleteUser(id: string): void {
    const user = this.user(id);
    this.log.record(
      ...statusEvents(user.status, "DEPROVISIONED").map((eventType) => ({ eventType, user })),
      { eventType: "user.lifecycle.delete.initiated", user },
      { eventType: "user.lifecycle.delete.completed", user },
    );
    this.users.splice(firstAfter(this.users, id, byId, true), 1);
    this.userById.delete(id);
    const now = this.now();
    for (const group of this.groups) this.removeFrom(group, id, now);
    this.touchEveryone(now);
    this.byUpdated = null;
  }

  createGroup(name: string, description: string | null = null, type: GroupType = "OKTA_GROUP"): FakeGroup {
    const now = this.now();
    const group: FakeGroup = {
      id: this.newId("00g", this.sequence++),
      type,
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      name,
      description,
      members: [],
    };
    this.groups.splice(firstAfter(this.groups, group.id, byId), 0, group);
    this.groupById.set(group.id, group);
    this.log.record({ eventType: "group.lifecycle.create", group });
    return group;
  }

  renameGroup(id: string, name: string, description?: string | null): FakeGroup {
    const group = this.group(id);
    group.name = name;
    if (description !== undefined) group.description = description;
    group.lastUpdated = this.now();
    this.log.record({ eventType: "group.profile.update", group });
    return group;
  }

  deleteGroup(id: string): void {
    this.log.record({ eventType: "group.lifecycle.delete", group: this.group(id) });
    this.groups.splice(firstAfter(this.groups, id, byId, true), 1);
    this.groupById.delete(id);
  }

  addMember(groupId: string, userId: string): void {
    const group = this.group(groupId);
    const user = this.user(userId);
    if (!group.members) throw new Error("Everyone's members are all users");
    const at = firstAfter(group.members, userId, (a, b) => byId({ id: a }, b), true);
    if (group.members[at] === userId) return;
    group.members.splice(at, 0, userId);
    group.lastMembershipUpdated = this.now();
    this.log.record({ eventType: "group.user_membership.add", user, group });
  }

  removeMember(groupId: string, userId: string): void {
    const group = this.group(groupId);
    if (!group.members) throw new Error("Everyone's members are all users");
    const user = this.userById.get(userId);
    if (this.removeFrom(group, userId, this.now()) && user) {
      this.log.record({ eventType: "group.user_membership.remove", user, group });
    }
  }

  /** Whether `userId` was a member. */
  private removeFrom(group: FakeGroup, userId: string, now: number): boolean {
    const members = group.members ?? [];
    const at = firstAfter(members, userId, (a, b) => byId({ id: a }, b), true);
    if (members[at] !== userId) return false;
    members.splice(at, 1);
    group.lastMembershipUpdated = now;
    return true;
  }

  private touch(user: FakeUser) {
    user.lastUpdated = this.now();
    this.byUpdated = null;
  }

  private touchEveryone(now: number) {
    const everyone = this.everyone;
    if (everyone) everyone.lastMembershipUpdated = now;
  }
}

function cursorId(after: string): string {
  const [kind, id = ""] = decodeCursor(after);
  if (kind !== "id") throw new BadCursorError(`Invalid after cursor: ${after}`);
  return id;
}

function updatedCursor(after: string): [number, string] {
  const [kind, time, id = ""] = decodeCursor(after);
  if (kind !== "updated" || !Number.isFinite(Number(time)))
    throw new BadCursorError(`Invalid after cursor: ${after}`);
  return [Number(time), id];
}

function userAttribute(user: FakeUser, attribute: string): string | number | null {
  if (attribute === "lastUpdated") return user.lastUpdated;
  if (attribute === "status" || attribute === "id") return user[attribute];
  const value = attribute.startsWith("profile.") ? user.profile[attribute.slice(8)] : null;
  return typeof value === "string" ? value : null;
}

function groupAttribute(group: FakeGroup, attribute: string): string | number | null {
  switch (attribute) {
    case "lastUpdated":
      return group.lastUpdated;
    case "lastMembershipUpdated":
      return group.lastMembershipUpdated;
    case "id":
      return group.id;
    case "type":
      return group.type;
    default:
      return null;
  }
}
