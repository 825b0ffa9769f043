import {
  type ChangeFeed,
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

/**
 * An in-memory directory for the engine's unit tests: paged listings with opaque "after" cursors
 * (like Okta's), `updatedSince` filtering, timestamps from a shared clock, failures injected
 * into a chosen call, and (with `changeLog`) a change log like Okta's System Log: every edit
 * recorded, visible `logDelayMs` after it happened; or (with `changeFeed`) a change feed like
 * Graph's delta queries: delta listings of what changed after a position. The fake Okta over HTTP
 * (lib/okta) is the end-to-end stand-in.
 */

export type DirectoryMethod = keyof DirectoryProvider;

export interface MemoryDirectoryOptions {
  /** Users per page (Okta: 200). */
  pageSize?: number;
  groupPageSize?: number;
  memberPageSize?: number;
  /** Stamps updatedAt and membershipUpdatedAt; share it with the engine's `now`. */
  now?: () => Date;
  /** Records edits and serves them from `listChanges` (off: the directory has no change log). */
  changeLog?: boolean;
  /** A change shows in `listChanges` this long after it happened (Okta's log is eventually consistent). */
  logDelayMs?: number;
  changePageSize?: number;
  /** Serves delta listings from positions (`changeFeed`), as Graph's delta queries. */
  changeFeed?: boolean;
}

type LoggedChange = DirectoryChange & { seq: number };

export interface PersonInput {
  externalId: string;
  status?: string;
  username?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  /** Attributes beyond the named ones. */
  extra?: Record<string, unknown>;
}

export interface GroupInput {
  externalId: string;
  name?: string;
  description?: string | null;
  type?: string | null;
}

interface Failure {
  method: DirectoryMethod;
  fromCall: number;
  times: number;
  error: Error;
}

export class MemoryDirectory implements DirectoryProvider {
  private readonly inputs = new Map<string, PersonInput>();
  private readonly people = new Map<string, DirectoryPerson>();
  private readonly groups = new Map<string, DirectoryGroup>();
  private readonly members = new Map<string, Set<string>>();
  private readonly calls = new Map<DirectoryMethod, number>();
  private readonly failures: Failure[] = [];
  private readonly log: LoggedChange[] = [];
  private readonly options: Required<Omit<MemoryDirectoryOptions, "changeLog" | "changeFeed">>;
  readonly memberPageSize: number;
  /** Set to make `listChanges` refuse, as Okta does for a token whose admin may not read the log. */
  logForbidden = false;
  readonly listChanges?: DirectoryProvider["listChanges"];
  readonly changeFeed?: ChangeFeed;
  /** Set to make delta listings refuse their positions, as Graph's 410 resync. */
  feedReset = false;
  /** The feed's sequence: each edit of a user or group (members included) takes the next number. */
  private feedSeq = 0;
  private readonly touched = { users: new Map<string, number>(), groups: new Map<string, number>() };
  private readonly removed = { users: new Map<string, number>(), groups: new Map<string, number>() };

  constructor(options: MemoryDirectoryOptions = {}) {
    this.options = {
      pageSize: options.pageSize ?? 200,
      groupPageSize: options.groupPageSize ?? 200,
      memberPageSize: options.memberPageSize ?? 200,
      now: options.now ?? (() => new Date()),
      logDelayMs: options.logDelayMs ?? 0,
      changePageSize: options.changePageSize ?? 1000,
    };
    this.memberPageSize = this.options.memberPageSize;
    if (options.changeLog) this.listChanges = (cursor, range) => this.readLog(cursor, range);
    if (options.changeFeed) {
      this.changeFeed = {
        retentionMs: 7 * 24 * 3600_000,
        positions: async () => {
          this.call("changeFeed");
          return { users: `feed:${this.feedSeq}`, groups: `feed:${this.feedSeq}` };
        },
      };
    }
  }

  // ------------------------------------------------------------ editing the directory

  /** Creates or replaces a user; unset fields get defaults derived from the id. */
  putUser(input: PersonInput): DirectoryPerson {
    const username = input.username === undefined ? `${input.externalId}@acme.test` : input.username;
    const email = input.email === undefined ? username : input.email;
    const firstName = input.firstName === undefined ? `First ${input.externalId}` : input.firstName;
    const lastName = input.lastName === undefined ? "Tester" : input.lastName;
    const displayName = input.displayName ?? null;
    const person: DirectoryPerson = {
      externalId: input.externalId,
      status: input.status ?? "ACTIVE",
      username,
      email,
      firstName,
      lastName,
      displayName,
      profile: { login: username, email, firstName, lastName, displayName, ...input.extra },
      createdAt: this.people.get(input.externalId)?.createdAt ?? this.options.now(),
      updatedAt: this.options.now(),
    };
    this.inputs.set(input.externalId, input);
    this.people.set(person.externalId, person);
    this.touch("users", person.externalId);
    return person;
  }

  /** Changes some attributes of a user (and stamps its updatedAt, as Okta's lastUpdated). */
  updateUser(externalId: string, changes: Omit<PersonInput, "externalId">): DirectoryPerson {
    const current = this.inputs.get(externalId);
    if (!current) throw new Error(`No user ${externalId}`);
    return this.putUser({ ...current, ...changes, extra: { ...current.extra, ...changes.extra } });
  }

  /** A hard delete: the user leaves every group and no listing shows it again. */
  deleteUser(externalId: string): void {
    const existed = this.people.delete(externalId);
    this.inputs.delete(externalId);
    for (const [groupId, ids] of this.members) {
      if (ids.delete(externalId)) this.touchMembership(groupId);
    }
    if (existed) this.record({ kind: "user-deleted", userExternalId: externalId });
    if (existed) this.touch("users", externalId, { removed: true });
  }

  putGroup(input: GroupInput): DirectoryGroup {
    const existing = this.groups.get(input.externalId);
    const group: DirectoryGroup = {
      externalId: input.externalId,
      name: input.name ?? `Group ${input.externalId}`,
      description: input.description === undefined ? null : input.description,
      type: input.type === undefined ? "OKTA_GROUP" : input.type,
      memberCount: null,
      updatedAt: this.options.now(),
      membershipUpdatedAt: existing?.membershipUpdatedAt ?? this.options.now(),
    };
    this.groups.set(group.externalId, group);
    if (!this.members.has(group.externalId)) this.members.set(group.externalId, new Set());
    if (!existing) this.record({ kind: "group-created", groupExternalId: group.externalId });
    this.touch("groups", group.externalId);
    return group;
  }

  deleteGroup(externalId: string): void {
    if (!this.groups.delete(externalId)) return;
    this.members.delete(externalId);
    this.record({ kind: "group-deleted", groupExternalId: externalId });
    this.touch("groups", externalId, { removed: true });
  }

  setMembers(groupId: string, userIds: string[]): void {
    if (!this.groups.has(groupId)) throw new Error(`No group ${groupId}`);
    const before = this.members.get(groupId) ?? new Set<string>();
    const after = new Set(userIds);
    this.members.set(groupId, after);
    this.touchMembership(groupId);
    for (const id of after)
      if (!before.has(id))
        this.record({ kind: "membership-added", groupExternalId: groupId, userExternalId: id });
    for (const id of before)
      if (!after.has(id))
        this.record({ kind: "membership-removed", groupExternalId: groupId, userExternalId: id });
  }

  addMembers(groupId: string, userIds: string[]): void {
    this.setMembers(groupId, [...(this.members.get(groupId) ?? []), ...userIds]);
  }

  removeMembers(groupId: string, userIds: string[]): void {
    this.setMembers(
      groupId,
      [...(this.members.get(groupId) ?? [])].filter((id) => !userIds.includes(id)),
    );
  }

  private record(change: DistributiveOmit<DirectoryChange, "id" | "at">): void {
    const seq = this.log.length;
    this.log.push({ ...change, id: `event-${seq}`, at: this.options.now(), seq } as LoggedChange);
  }

  private touchMembership(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group) group.membershipUpdatedAt = this.options.now();
    if (group) this.touch("groups", groupId);
  }

  private touch(kind: "users" | "groups", id: string, { removed = false } = {}): void {
    const seq = ++this.feedSeq;
    (removed ? this.touched : this.removed)[kind].delete(id);
    (removed ? this.removed : this.touched)[kind].set(id, seq);
  }

  /** A delta listing: what changed after the position, removals on the first page, the next position on the last. */
  private delta<T>(
    kind: "users" | "groups",
    from: string,
    cursor: string | null,
    items: T[],
    idOf: (item: T) => string,
    size: number,
  ): Page<T> {
    if (this.feedReset)
      throw new ChangeLogUnavailableError("reset", "The directory asks for a full synchronization.");
    const after = Number(from.replace(/^feed:/, ""));
    const changed = items.filter((item) => (this.touched[kind].get(idOf(item)) ?? 0) > after);
    const listed = page(changed, idOf, cursor, size);
    const removed = [...this.removed[kind]].filter(([, seq]) => seq > after).map(([id]) => id);
    return {
      ...listed,
      ...(cursor === null && { removed }),
      ...(listed.next === null && { position: `feed:${this.feedSeq}` }),
    };
  }

  // ------------------------------------------------------------ failures and call counts

  /** Makes call number `call` (1-based, per method) throw, and the `times - 1` calls after it. */
  failOn(method: DirectoryMethod, call: number, options: { times?: number; error?: Error } = {}): void {
    this.failures.push({
      method,
      fromCall: call,
      times: options.times ?? 1,
      error: options.error ?? new Error(`Directory unavailable (${method} call ${call})`),
    });
  }

  callCount(method?: DirectoryMethod): number {
    if (method) return this.calls.get(method) ?? 0;
    return [...this.calls.values()].reduce((sum, n) => sum + n, 0);
  }

  private call(method: DirectoryMethod): void {
    const n = (this.calls.get(method) ?? 0) + 1;
    this.calls.set(method, n);
    const failure = this.failures.find(
      (f) => f.method === method && n >= f.fromCall && n < f.fromCall + f.times,
    );
    if (failure) throw failure.error;
  }

  // ------------------------------------------------------------ DirectoryProvider

  async listUsers(cursor: string | null, options: ListOptions = {}): Promise<Page<DirectoryPerson>> {
    this.call("listUsers");
    const { updatedSince, changesFrom } = options;
    if (changesFrom !== undefined) {
      return this.delta(
        "users",
        changesFrom,
        cursor,
        [...this.people.values()],
        (p) => p.externalId,
        this.options.pageSize,
      );
    }
    const people = [...this.people.values()].filter(
      (p) => !updatedSince || (p.updatedAt !== null && p.updatedAt > updatedSince),
    );
    return page(people, (p) => p.externalId, cursor, this.options.pageSize);
  }

  async listGroups(cursor: string | null, options: ListOptions = {}): Promise<Page<DirectoryGroup>> {
    this.call("listGroups");
    const { updatedSince, changesFrom } = options;
    const changedSince = (at: Date | null) => !updatedSince || (at !== null && at > updatedSince);
    const groups = [...this.groups.values()]
      .filter(
        (g) => changesFrom !== undefined || changedSince(g.updatedAt) || changedSince(g.membershipUpdatedAt),
      )
      .map((g) => ({ ...g, memberCount: this.members.get(g.externalId)?.size ?? 0 }));
    if (changesFrom !== undefined)
      return this.delta(
        "groups",
        changesFrom,
        cursor,
        groups,
        (g) => g.externalId,
        this.options.groupPageSize,
      );
    return page(groups, (g) => g.externalId, cursor, this.options.groupPageSize);
  }

  async listGroupMembers(groupExternalId: string, cursor: string | null): Promise<Page<string>> {
    this.call("listGroupMembers");
    const ids = this.members.get(groupExternalId);
    if (!ids) throw new GroupGoneError(groupExternalId);
    return page([...ids], (id) => id, cursor, this.options.memberPageSize);
  }

  /** The log between `since` and `until` as it is visible now, oldest first (ties in edit order). */
  private async readLog(
    cursor: string | null,
    { since, until }: ChangeListOptions,
  ): Promise<Page<DirectoryChange>> {
    this.call("listChanges");
    if (this.logForbidden)
      throw new ChangeLogUnavailableError("forbidden", "You do not have permission to read the System Log.");
    const visibleBefore = this.options.now().getTime() - this.options.logDelayMs;
    const after = cursor === null ? -1 : Number(decodeCursor(cursor));
    const matching = this.log.filter(
      (c) => c.seq > after && c.at >= since && c.at < until && c.at.getTime() <= visibleBefore,
    );
    const items = matching.slice(0, this.options.changePageSize);
    const last = items.at(-1);
    return {
      items: items.map(({ seq: _, ...change }) => structuredClone(change) as DirectoryChange),
      next: matching.length > items.length && last ? encodeCursor(String(last.seq)) : null,
    };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One page of `items` in id order after the cursor's id, with a cursor to the next page. */
function page<T>(items: T[], idOf: (item: T) => string, cursor: string | null, size: number): Page<T> {
  const after = cursor === null ? null : decodeCursor(cursor);
  const sorted = items
    .filter((item) => after === null || idOf(item) > after)
    .sort((a, b) => (idOf(a) < idOf(b) ? -1 : 1));
  const pageItems = sorted.slice(0, size).map((item) => structuredClone(item));
  const last = pageItems.at(-1);
  return { items: pageItems, next: sorted.length > size && last ? encodeCursor(idOf(last)) : null };
}

function encodeCursor(afterId: string): string {
  return Buffer.from(`after:${afterId}`).toString("base64url");
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString();
  if (!text.startsWith("after:")) throw new Error(`Invalid cursor ${cursor}`);
  return text.slice("after:".length);
}
