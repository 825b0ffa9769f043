/**
 * The fake tenant's users, groups and memberships, kept sorted by id so that a page costs
 * O(log N + page size) whatever N is. A group's members are users and groups (nested): its
 * transitive users are computed once per change of any membership and kept.
 */

export interface FakeUser {
  id: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  accountEnabled: boolean;
  /** ms on the fake's clock. */
  createdDateTime: number;
  jobTitle: string | null;
  department: string | null;
}

export interface FakeGroup {
  id: string;
  displayName: string;
  description: string | null;
  /** "Unified" for a Microsoft 365 group; "DynamicMembership" may join it. */
  groupTypes: string[];
  securityEnabled: boolean;
  mailEnabled: boolean;
  mail: string | null;
  createdDateTime: number;
  /** Direct members: user and group ids. */
  members: Set<string>;
}

export type UserInput = Partial<Omit<FakeUser, "id" | "createdDateTime">> & { userPrincipalName: string };
export type GroupInput = Partial<Omit<FakeGroup, "id" | "createdDateTime" | "members">> & {
  displayName: string;
};

export class NotFoundError extends Error {}
export class BadRequestError extends Error {}

/** Index of the first of sorted `ids` greater than `id`. */
export function firstAfter(ids: readonly { id: string }[] | readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const item = ids[mid] as string | { id: string };
    if ((typeof item === "string" ? item : item.id) <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

function insertSorted<T extends { id: string }>(items: T[], item: T): void {
  items.splice(firstAfter(items, item.id), 0, item);
}

function removeSorted<T extends { id: string }>(items: T[], id: string): void {
  const index = firstAfter(items, id) - 1;
  if (items[index]?.id === id) items.splice(index, 1);
}

export class Directory {
  /** Sorted by id. */
  readonly users: FakeUser[] = [];
  /** Sorted by id. */
  readonly groups: FakeGroup[] = [];
  private readonly userById = new Map<string, FakeUser>();
  private readonly groupById = new Map<string, FakeGroup>();
  /** Each group's users at every level of nesting, sorted; dropped on any membership change. */
  private transitive = new Map<string, string[]>();

  constructor(
    readonly now: () => number,
    private readonly newId: () => string,
  ) {}

  /** Adds records as they are (generation); ids must be new. */
  load(users: FakeUser[], groups: FakeGroup[]): void {
    for (const user of users) this.userById.set(user.id, user);
    for (const group of groups) this.groupById.set(group.id, group);
    this.users.push(...users);
    this.groups.push(...groups);
    this.users.sort((a, b) => (a.id < b.id ? -1 : 1));
    this.groups.sort((a, b) => (a.id < b.id ? -1 : 1));
    this.transitive.clear();
  }

  user(id: string): FakeUser {
    const user = this.userById.get(id);
    if (!user)
      throw new NotFoundError(
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return user;
  }

  group(id: string): FakeGroup {
    const group = this.groupById.get(id);
    if (!group)
      throw new NotFoundError(
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return group;
  }

  membershipCount(): number {
    return this.groups.reduce((sum, g) => sum + g.members.size, 0);
  }

  createUser(input: UserInput): FakeUser {
    const user: FakeUser = {
      displayName: null,
      givenName: null,
      surname: null,
      mail: null,
      accountEnabled: true,
      jobTitle: null,
      department: null,
      ...input,
      id: this.newId(),
      createdDateTime: this.now(),
    };
    if (this.users.some((u) => u.userPrincipalName.toLowerCase() === user.userPrincipalName.toLowerCase())) {
      throw new BadRequestError(
        `Another object with the same value for property userPrincipalName already exists.`,
      );
    }
    this.userById.set(user.id, user);
    insertSorted(this.users, user);
    return user;
  }

  updateUser(id: string, patch: Partial<Omit<FakeUser, "id">>): FakeUser {
    const user = this.user(id);
    const { id: _ignored, ...rest } = patch as Partial<FakeUser>;
    Object.assign(user, rest);
    return user;
  }

  deleteUser(id: string): void {
    this.user(id);
    this.userById.delete(id);
    removeSorted(this.users, id);
    for (const group of this.groups) group.members.delete(id);
    this.transitive.clear();
  }

  createGroup(input: GroupInput): FakeGroup {
    const group: FakeGroup = {
      description: null,
      groupTypes: [],
      securityEnabled: true,
      mailEnabled: false,
      mail: null,
      ...input,
      id: this.newId(),
      createdDateTime: this.now(),
      members: new Set(),
    };
    this.groupById.set(group.id, group);
    insertSorted(this.groups, group);
    return group;
  }

  updateGroup(id: string, patch: Partial<GroupInput>): FakeGroup {
    const group = this.group(id);
    const { displayName, description, groupTypes, securityEnabled, mailEnabled, mail } = patch;
    Object.assign(
      group,
      Object.fromEntries(
        Object.entries({ displayName, description, groupTypes, securityEnabled, mailEnabled, mail }).filter(
          ([, value]) => value !== undefined,
        ),
      ),
    );
    return group;
  }

  deleteGroup(id: string): void {
    this.group(id);
    this.groupById.delete(id);
    removeSorted(this.groups, id);
    for (const group of this.groups) group.members.delete(id);
    this.transitive.clear();
  }

  /** Adds a user or a group (nested) to a group. */
  addMember(groupId: string, memberId: string): void {
    const group = this.group(groupId);
    if (!this.userById.has(memberId)) this.group(memberId);
    if (memberId === groupId) throw new BadRequestError("A group cannot be a member of itself.");
    group.members.add(memberId);
    this.transitive.clear();
  }

  removeMember(groupId: string, memberId: string): void {
    this.group(groupId).members.delete(memberId);
    this.transitive.clear();
  }

  /** The group's users at every level of nesting, sorted by id (cycles allowed, as Entra's). */
  transitiveUsers(groupId: string): string[] {
    this.group(groupId);
    let users = this.transitive.get(groupId);
    if (!users) {
      const found = new Set<string>();
      const seen = new Set([groupId]);
      const queue = [groupId];
      for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
        for (const member of this.groupById.get(next)?.members ?? []) {
          if (this.userById.has(member)) found.add(member);
          else if (!seen.has(member)) {
            seen.add(member);
            queue.push(member);
          }
        }
      }
      users = [...found].sort();
      this.transitive.set(groupId, users);
    }
    return users;
  }
}
