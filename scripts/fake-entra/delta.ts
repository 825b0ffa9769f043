import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type Change, type Directory, firstAfter } from "./directory";

/**
 * Microsoft Graph's delta queries on users and groups (`/users/delta`, `/groups/delta`), read
 * from the directory's change journal so that a round costs O(page + changes read), never a scan
 * of the tenant. A round is either the initial one (every object, by id) or a change round (the
 * objects changed after the journal position its `$deltatoken` carries, each once, at its first
 * change that the `$select` tracks).
 */

/** Objects a delta page holds. Graph's reference gives no figure; see README.md. */
export const DELTA_PAGE_SIZE = 200;
/** Graph keeps the delta state of directory objects seven days. */
export const DELTA_TOKEN_TTL_MS = 7 * 86_400_000;

export type DeltaKind = "users" | "groups";

/** A round in progress, carried by its `$skiptoken`. */
export type Round = {
  kind: DeltaKind;
  /** The `$select` of the round's first request (null: none). */
  select: string[] | null;
  /** Initial round: the journal position when it began. Change round: the position its changes follow. */
  since: number;
} & (
  | { initial: true /** The last id listed. */; after: string | null }
  | {
      initial: false /** The journal position the round ends at, and the last one read. */;
      upto: number;
      after: number;
    }
);

/** What a `$deltatoken` carries: the next round starts after `since`. */
export interface DeltaState {
  kind: DeltaKind;
  select: string[] | null;
  since: number;
}

type Token = ({ type: "skip" } & Round) | ({ type: "delta" } & DeltaState);

/** A state token refused: Graph's codes for a sync state it no longer has. */
export class DeltaStateError extends Error {
  constructor(
    readonly code: "syncStateNotFound" | "resyncRequired",
    /** The `$select` the token carried, when it could be read. */
    readonly select: string[] | null,
  ) {
    super(
      code === "resyncRequired"
        ? "The delta token is no longer valid, and the app must reset the sync state."
        : "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
    );
  }
}

/**
 * Issues and reads state tokens: the state as base64url JSON and an HMAC with a key drawn per
 * fake, so a client can neither forge nor alter one, and a restarted fake knows none of its
 * predecessor's. `forget` outdates every token issued so far.
 */
export class StateTokens {
  private readonly key = randomBytes(32);
  private generation = 0;

  constructor(private readonly now: () => number) {}

  forget(): void {
    this.generation++;
  }

  issue(token: Token): string {
    const body = Buffer.from(
      JSON.stringify({ ...token, issuedAt: this.now(), generation: this.generation }),
    ).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  read<T extends Token["type"]>(text: string, type: T, kind: DeltaKind): Extract<Token, { type: T }> {
    const [body = "", mac = ""] = text.split(".");
    const expected = Buffer.from(this.mac(body));
    if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), expected)) {
      throw new DeltaStateError("syncStateNotFound", null);
    }
    const token = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Token & {
      issuedAt: number;
      generation: number;
    };
    if (token.type !== type || token.kind !== kind) throw new DeltaStateError("syncStateNotFound", null);
    if (token.generation !== this.generation) throw new DeltaStateError("resyncRequired", token.select);
    if (this.now() - token.issuedAt > DELTA_TOKEN_TTL_MS) {
      throw new DeltaStateError("syncStateNotFound", token.select);
    }
    return token as unknown as Extract<Token, { type: T }>;
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}

/** Whether the round's `$select` tracks the change (no `$select`: every property and the members). */
function tracked(change: Change, select: string[] | null): boolean {
  switch (change.what) {
    case "created":
    case "removed":
      return true;
    case "updated":
      return select === null || change.properties.some((property) => select.includes(property));
    case "member":
      return select === null || select.includes("members");
  }
}

/** Whether no earlier change of the same object after `since` is tracked: the object is listed here. */
function firstTracked(directory: Directory, change: Change, since: number, select: string[] | null): boolean {
  for (let seq = change.prev; seq > since; ) {
    const earlier = directory.journal[seq - 1] as Change;
    if (tracked(earlier, select)) return false;
    seq = earlier.prev;
  }
  return true;
}

const memberRef = (kind: "user" | "group", id: string) => ({ "@odata.type": `#microsoft.graph.${kind}`, id });

/**
 * A page of the round: the objects as `render` gives them (their selected properties now), groups
 * with `members@delta` when members are tracked (initial round: every direct member; change
 * round: those added or removed since, removed ones with `@removed`), and removed objects as
 * `{ id, @removed: { reason } }`. `next` is the following page's round, null at the round's end.
 */
export function deltaPage(
  directory: Directory,
  round: Round,
  size: number,
  render: (id: string) => Record<string, unknown>,
): { items: Record<string, unknown>[]; next: Round | null } {
  const withMembers = round.kind === "groups" && (round.select === null || round.select.includes("members"));
  if (round.initial) {
    const sorted = round.kind === "users" ? directory.users : directory.groups;
    const start = round.after === null ? 0 : firstAfter(sorted, round.after);
    const page = sorted.slice(start, start + size);
    const items = page.map(({ id }) => {
      const members = withMembers ? [...directory.group(id).members] : [];
      return members.length
        ? { ...render(id), "members@delta": members.map((m) => memberRef(directory.kindOf(m), m)) }
        : render(id);
    });
    const last = page.at(-1);
    return { items, next: last && start + page.length < sorted.length ? { ...round, after: last.id } : null };
  }
  const kind = round.kind === "users" ? "user" : "group";
  const items: Record<string, unknown>[] = [];
  let position = round.after;
  while (position < round.upto && items.length < size) {
    const change = directory.journal[position++] as Change;
    if (change.kind !== kind || !tracked(change, round.select)) continue;
    if (!firstTracked(directory, change, round.since, round.select)) continue;
    const last = directory.lastChangeOf(change.id) as Change;
    if (last.what === "removed") {
      items.push({ id: change.id, "@removed": { reason: last.reason } });
      continue;
    }
    const item = render(change.id);
    if (withMembers) {
      // Each member added or removed since the round's start, as it stands now.
      const touched = new Map<string, "user" | "group">();
      for (let seq = last.seq; seq > round.since; ) {
        const earlier = directory.journal[seq - 1] as Change;
        if (earlier.what === "member" && !touched.has(earlier.memberId))
          touched.set(earlier.memberId, earlier.memberKind);
        seq = earlier.prev;
      }
      const members = directory.group(change.id).members;
      if (touched.size) {
        item["members@delta"] = [...touched].map(([id, memberKind]) =>
          members.has(id)
            ? memberRef(memberKind, id)
            : { ...memberRef(memberKind, id), "@removed": { reason: "deleted" } },
        );
      }
    }
    items.push(item);
  }
  return { items, next: position < round.upto ? { ...round, after: position } : null };
}
