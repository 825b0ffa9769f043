/**
 * A Workspace customer's users and groups, as the fake Directory API serves them: users and groups
 * kept sorted by email (the listings page by the last email sent, O(log n + page) per request),
 * groups holding users, other groups and the customer, and each group's flattened membership
 * (`includeDerivedMembership`) computed when first asked after a change.
 */

export interface FakeUser {
  id: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  orgUnitPath: string;
  suspended: boolean;
  archived: boolean;
  /** A super admin. */
  isAdmin: boolean;
  /** An admin whose role may read users and groups (what a service account needs to act as). */
  isDelegatedAdmin: boolean;
  /** ms since the epoch. */
  creationTime: number;
  lastLoginTime: number | null;
}

export type MemberType = "USER" | "GROUP" | "CUSTOMER";

export interface FakeGroup {
  id: string;
  email: string;
  name: string;
  description: string;
  adminCreated: boolean;
  /** Direct members by id, in the order they were added. */
  members: Map<string, { type: MemberType; role: "OWNER" | "MANAGER" | "MEMBER" }>;
}

export class NotFoundError extends Error {}
export class InvalidError extends Error {}

/** Where a listing page ends: the next page starts after `after`. */
export interface Slice<T> {
  items: T[];
  /** The key of the last item sent, when more follow. */
  after: string | null;
}

const key = (email: string) => email.toLowerCase();

/** The first index whose key is greater than `after` in a list sorted by `keyOf`. */
function firstAfter<T>(items: T[], after: string, keyOf: (item: T) => string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keyOf(items[mid] as T) <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}

function insertSorted<T>(items: T[], item: T, keyOf: (item: T) => string): void {
  items.splice(firstAfter(items, keyOf(item), keyOf), 0, item);
}

const userKey = (u: FakeUser) => key(u.primaryEmail);
const groupKey = (g: FakeGroup) => key(g.email);

export class Directory {
  /** Sorted by primary email. */
  readonly users: FakeUser[] = [];
  /** Sorted by email. */
  readonly groups: FakeGroup[] = [];
  private readonly usersById = new Map<string, FakeUser>();
  private readonly groupsById = new Map<string, FakeGroup>();
  private readonly byEmail = new Map<string, FakeUser | FakeGroup>();
  /** Bumped by every membership change: flattened memberships computed before it are stale. */
  private membershipVersion = 0;
  private readonly flattened = new Map<string, { version: number; members: Member[] }>();
  private sequence = 0;

  constructor(
    readonly customerId: string,
    readonly domain: string,
    private readonly newId: (kind: "user" | "group", sequence: number) => string,
    private readonly now: () => number,
  ) {}

  /** Loads generated data: each list already sorted by email. */
  load(users: FakeUser[], groups: FakeGroup[]): void {
    this.users.push(...users);
    this.groups.push(...groups);
    for (const user of users) {
      this.usersById.set(user.id, user);
      this.byEmail.set(key(user.primaryEmail), user);
    }
    for (const group of groups) {
      this.groupsById.set(group.id, group);
      this.byEmail.set(key(group.email), group);
    }
    this.sequence = users.length + groups.length;
  }

  user(idOrEmail: string): FakeUser {
    const user = this.usersById.get(idOrEmail) ?? this.byEmail.get(key(idOrEmail));
    if (!user || !("primaryEmail" in user)) throw new NotFoundError(`No user ${idOrEmail}`);
    return user;
  }

  /** A group by id or email (Google's `groupKey`). */
  group(groupKeyText: string): FakeGroup {
    const group = this.groupsById.get(groupKeyText) ?? this.byEmail.get(key(groupKeyText));
    if (!group || !("members" in group)) throw new NotFoundError(`No group ${groupKeyText}`);
    return group;
  }

  findUser(email: string): FakeUser | undefined {
    const found = this.byEmail.get(key(email));
    return found && "primaryEmail" in found ? found : undefined;
  }

  listUsers(after: string | null, limit: number): Slice<FakeUser> {
    return slice(this.users, after, limit, userKey);
  }

  listGroups(after: string | null, limit: number): Slice<FakeGroup> {
    return slice(this.groups, after, limit, groupKey);
  }

  /** A group's members from `offset`: direct ones, or with `derived` nested groups' members as well. */
  listMembers(groupKeyText: string, derived: boolean, offset: number, limit: number): Slice<Member> {
    const group = this.group(groupKeyText);
    const members = derived ? this.flatten(group) : this.direct(group);
    const items = members.slice(offset, offset + limit);
    return { items, after: offset + limit < members.length ? String(offset + limit) : null };
  }

  membershipCount(): number {
    return this.groups.reduce((sum, group) => sum + group.members.size, 0);
  }

  createUser(fields: Partial<FakeUser> & { primaryEmail: string }): FakeUser {
    if (this.byEmail.has(key(fields.primaryEmail))) throw new InvalidError("Entity already exists.");
    const user: FakeUser = {
      givenName: "New",
      familyName: "User",
      orgUnitPath: "/",
      suspended: false,
      archived: false,
      isAdmin: false,
      isDelegatedAdmin: false,
      creationTime: this.now(),
      lastLoginTime: null,
      ...fields,
      id: this.newId("user", this.sequence++),
    };
    insertSorted(this.users, user, userKey);
    this.usersById.set(user.id, user);
    this.byEmail.set(key(user.primaryEmail), user);
    this.membershipVersion++;
    return user;
  }

  /** Changes a user's fields (not its id or email). */
  updateUser(id: string, patch: Partial<Omit<FakeUser, "id" | "primaryEmail">>): FakeUser {
    const user = this.user(id);
    Object.assign(user, patch, { id: user.id, primaryEmail: user.primaryEmail });
    this.membershipVersion++;
    return user;
  }

  /** Deleted users leave the listing and every group. */
  deleteUser(id: string): void {
    const user = this.user(id);
    this.users.splice(this.users.indexOf(user), 1);
    this.usersById.delete(user.id);
    this.byEmail.delete(key(user.primaryEmail));
    for (const group of this.groups) group.members.delete(user.id);
    this.membershipVersion++;
  }

  createGroup(email: string, name: string, description = ""): FakeGroup {
    if (this.byEmail.has(key(email))) throw new InvalidError("Entity already exists.");
    const group: FakeGroup = {
      id: this.newId("group", this.sequence++),
      email,
      name,
      description,
      adminCreated: true,
      members: new Map(),
    };
    insertSorted(this.groups, group, groupKey);
    this.groupsById.set(group.id, group);
    this.byEmail.set(key(email), group);
    return group;
  }

  updateGroup(id: string, patch: { name?: string; description?: string }): FakeGroup {
    return Object.assign(this.group(id), patch);
  }

  deleteGroup(id: string): void {
    const group = this.group(id);
    this.groups.splice(this.groups.indexOf(group), 1);
    this.groupsById.delete(group.id);
    this.byEmail.delete(key(group.email));
    for (const other of this.groups) other.members.delete(group.id);
    this.membershipVersion++;
  }

  /** Adds a user, a group (no cycles, as Google refuses them) or the customer to a group. */
  addMember(groupId: string, memberId: string, role: "OWNER" | "MANAGER" | "MEMBER" = "MEMBER"): void {
    const group = this.group(groupId);
    let type: MemberType;
    if (memberId === this.customerId) type = "CUSTOMER";
    else if (this.usersById.has(memberId)) type = "USER";
    else {
      const child = this.group(memberId);
      if (child === group || this.flatten(child).some((m) => m.id === group.id)) {
        throw new InvalidError("Cyclic memberships not allowed.");
      }
      type = "GROUP";
    }
    if (group.members.has(memberId)) throw new InvalidError("Member already exists.");
    group.members.set(memberId, { type, role });
    this.membershipVersion++;
  }

  removeMember(groupId: string, memberId: string): void {
    const group = this.group(groupId);
    if (!group.members.delete(memberId)) throw new NotFoundError(`No member ${memberId} in ${groupId}`);
    this.membershipVersion++;
  }

  private member(id: string, type: MemberType, role: string): Member {
    if (type === "CUSTOMER") return { id, type, role };
    if (type === "GROUP") {
      const group = this.groupsById.get(id) as FakeGroup;
      return { id, email: group.email, type, role, status: "ACTIVE" };
    }
    const user = this.usersById.get(id) as FakeUser;
    const status = user.archived ? "ARCHIVED" : user.suspended ? "SUSPENDED" : "ACTIVE";
    return { id, email: user.primaryEmail, type, role, status };
  }

  private direct(group: FakeGroup): Member[] {
    return [...group.members].map(([id, { type, role }]) => this.member(id, type, role));
  }

  /** Direct members, then every nested group's (each member once, depth first). */
  private flatten(group: FakeGroup): Member[] {
    const cached = this.flattened.get(group.id);
    if (cached?.version === this.membershipVersion) return cached.members;
    const seen = new Set<string>();
    const members: Member[] = [];
    const visit = (current: FakeGroup) => {
      for (const [id, { type, role }] of current.members) {
        if (seen.has(id)) continue;
        seen.add(id);
        members.push(this.member(id, type, role));
        if (type === "GROUP") visit(this.groupsById.get(id) as FakeGroup);
      }
    };
    visit(group);
    this.flattened.set(group.id, { version: this.membershipVersion, members });
    return members;
  }
}

export interface Member {
  id: string;
  email?: string;
  type: MemberType;
  role: string;
  status?: string;
}

function slice<T>(items: T[], after: string | null, limit: number, keyOf: (item: T) => string): Slice<T> {
  const start = after === null ? 0 : firstAfter(items, after, keyOf);
  const page = items.slice(start, start + limit);
  const last = page.at(-1);
  return { items: page, after: start + limit < items.length && last ? keyOf(last) : null };
}
