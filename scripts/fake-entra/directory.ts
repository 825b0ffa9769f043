/**
 * The fake tenant's users, groups and memberships, kept sorted by id so that a page costs
 * O(log N + page size) whatever N is. A group's members are users and groups (nested): its
 * transitive users (and the groups it is in) are computed once per change of any membership and
 * kept. Every change after the generation is written to a journal, which delta queries read.
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

export type ChangeBody =
  | { what: "created" }
  | { what: "updated"; properties: string[] }
  /** Graph's `@removed` reasons: `changed` (soft-deleted, restorable), `deleted` (permanently). */
  | { what: "removed"; reason: "changed" | "deleted" }
  | { what: "member"; memberId: string; memberKind: "user" | "group"; added: boolean };

/** One change of a user or group (of a group's members: the group's), at `journal[seq - 1]`. */
export type Change = ChangeBody & {
  seq: number;
  at: number;
  kind: "user" | "group";
  id: string;
  /** The seq of the same object's previous change (0: none): a round finds an object's first change in it without a scan. */
  prev: number;
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
  /** Each group's ancestors, sorted, and the groups each object is a direct member of; dropped likewise. */
  private ancestors = new Map<string, string[]>();
  private parents: Map<string, string[]> | null = null;
  /** Every change since the generation, oldest first. */
  readonly journal: Change[] = [];
  private readonly lastChange = new Map<string, number>();

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
    this.membershipsChanged();
  }

  /** The object's last change, if any since the generation. */
  lastChangeOf(id: string): Change | undefined {
    const seq = this.lastChange.get(id);
    return seq ? this.journal[seq - 1] : undefined;
  }

  private record(kind: Change["kind"], id: string, body: ChangeBody): void {
    const seq = this.journal.length + 1;
    this.journal.push({ ...body, seq, at: this.now(), kind, id, prev: this.lastChange.get(id) ?? 0 });
    this.lastChange.set(id, seq);
  }

  private membershipsChanged(): void {
    this.transitive.clear();
    this.ancestors.clear();
    this.parents = null;
  }

  /** Takes the object out of every group that has it as a direct member, journaling each removal. */
  private leaveGroups(id: string, memberKind: "user" | "group"): void {
    for (const group of this.groups) {
      if (group.members.delete(id))
        this.record("group", group.id, { what: "member", memberId: id, memberKind, added: false });
    }
    this.membershipsChanged();
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
    this.record("user", user.id, { what: "created" });
    return user;
  }

  /** Changes a user's properties (`accountEnabled: false` disables it); journals those whose value changed. */
  updateUser(id: string, patch: Partial<Omit<FakeUser, "id">>): FakeUser {
    const user = this.user(id);
    const { id: _ignored, ...rest } = patch as Partial<FakeUser>;
    const properties = Object.keys(rest).filter(
      (key) => user[key as keyof FakeUser] !== rest[key as keyof typeof rest],
    );
    Object.assign(user, rest);
    if (properties.length) this.record("user", id, { what: "updated", properties });
    return user;
  }

  /** Deletes a user: soft (restorable in Entra, `@removed` reason `changed`) unless `permanently`. */
  deleteUser(id: string, permanently = false): void {
    this.user(id);
    this.userById.delete(id);
    removeSorted(this.users, id);
    this.leaveGroups(id, "user");
    this.record("user", id, { what: "removed", reason: permanently ? "deleted" : "changed" });
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
    this.record("group", group.id, { what: "created" });
    return group;
  }

  updateGroup(id: string, patch: Partial<GroupInput>): FakeGroup {
    const group = this.group(id);
    const { displayName, description, groupTypes, securityEnabled, mailEnabled, mail } = patch;
    const changes = Object.entries({
      displayName,
      description,
      groupTypes,
      securityEnabled,
      mailEnabled,
      mail,
    }).filter(
      ([key, value]) =>
        value !== undefined && JSON.stringify(value) !== JSON.stringify(group[key as keyof FakeGroup]),
    );
    Object.assign(group, Object.fromEntries(changes));
    if (changes.length)
      this.record("group", id, { what: "updated", properties: changes.map(([key]) => key) });
    return group;
  }

  /** Deletes a group (soft unless `permanently`, as `deleteUser`); the groups it was in lose it. */
  deleteGroup(id: string, permanently = false): void {
    this.group(id);
    this.groupById.delete(id);
    removeSorted(this.groups, id);
    this.leaveGroups(id, "group");
    this.record("group", id, { what: "removed", reason: permanently ? "deleted" : "changed" });
  }

  /** Adds a user or a group (nested) to a group. */
  addMember(groupId: string, memberId: string): void {
    const group = this.group(groupId);
    if (!this.userById.has(memberId)) this.group(memberId);
    if (memberId === groupId) throw new BadRequestError("A group cannot be a member of itself.");
    if (group.members.has(memberId)) return;
    group.members.add(memberId);
    this.membershipsChanged();
    this.record("group", groupId, {
      what: "member",
      memberId,
      memberKind: this.kindOf(memberId),
      added: true,
    });
  }

  removeMember(groupId: string, memberId: string): void {
    if (!this.group(groupId).members.delete(memberId)) return;
    this.membershipsChanged();
    this.record("group", groupId, {
      what: "member",
      memberId,
      memberKind: this.kindOf(memberId),
      added: false,
    });
  }

  /** Whether an existing member is a user or a group. */
  kindOf(id: string): "user" | "group" {
    return this.userById.has(id) ? "user" : "group";
  }

  /** The groups that contain the group at any level of nesting, sorted by id (cycles allowed). */
  ancestorGroups(groupId: string): string[] {
    this.group(groupId);
    let found = this.ancestors.get(groupId);
    if (!found) {
      if (!this.parents) {
        this.parents = new Map();
        for (const group of this.groups) {
          for (const member of group.members) {
            const list = this.parents.get(member);
            if (list) list.push(group.id);
            else this.parents.set(member, [group.id]);
          }
        }
      }
      const seen = new Set<string>();
      const queue = [groupId];
      for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
        for (const parent of this.parents.get(next) ?? []) {
          if (!seen.has(parent)) {
            seen.add(parent);
            queue.push(parent);
          }
        }
      }
      // A group in a cycle contains itself; Graph lists only the others.
      seen.delete(groupId);
      found = [...seen].sort();
      this.ancestors.set(groupId, found);
    }
    return found;
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
