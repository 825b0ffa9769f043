import type { DirectoryUser, SyncAttentionCode, UniqueField } from "@/lib/db";
import type { DirectoryPerson } from "@/lib/directory/types";
import { DEPROVISIONED } from "./types";

/**
 * Matching a page of directory people to the organization's users: which are created, updated,
 * left for the deletions phase, or refused with a reason. Pure: the caller loads the rows.
 */

/** The columns matching and diffing need. */
export type UserRow = Pick<
  DirectoryUser,
  | "id"
  | "userSyncId"
  | "externalId"
  | "email"
  | "emailKey"
  | "username"
  | "firstName"
  | "lastName"
  | "displayName"
  | "status"
  | "emailVerified"
  | "profile"
  | "contentHash"
>;

export type Match =
  | { kind: "create"; person: DirectoryPerson; key: string }
  /** `row` is the sync's own user, or a user of no source that the sync adopts. */
  | { kind: "update"; person: DirectoryPerson; key: string; row: UserRow }
  /** Deactivated in the directory: never imported; an existing user is removed by the deletions phase. */
  | { kind: "deprovisioned"; person: DirectoryPerson; row: UserRow | null }
  | ({ kind: "error"; person: DirectoryPerson; key: string | null } & Refusal);

/** Why a person is refused: the words of the run's Errors tab, and what Needs attention needs for the fix. */
export interface Refusal {
  reason: string;
  code: SyncAttentionCode;
  /** Who holds the value a refused claim wanted (the three collision codes); null otherwise. */
  collidesWith: Collider | null;
}

/**
 * A user the refused value collides with: another directory user of the sync (its external id,
 * and its user when it has one), or a user of no source or of another sync (its user only: an
 * external id of another sync means nothing here).
 */
export interface Collider {
  externalId: string | null;
  userId: string | null;
}

export interface MatchingSync {
  id: string;
  uniqueField: UniqueField;
}

const MAX_LENGTH = { email: 254, username: 255, firstName: 255, lastName: 255, displayName: 255 } as const;
const MAX_PROFILE_CHARS = 64 * 1024;
const TEXT_FIELDS = [
  "externalId",
  "status",
  "username",
  "email",
  "firstName",
  "lastName",
  "displayName",
] as const;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

const FIELD_LABEL: Record<UniqueField, string> = { EMAIL: "email", USERNAME: "username" };

/** The value the sync's unique field matches on: the lower-cased email, or the username as is. */
export function uniqueKey(person: Pick<DirectoryPerson, "email" | "username">, field: UniqueField) {
  if (field === "EMAIL") return person.email ? person.email.toLowerCase() : null;
  return person.username || null;
}

export function rowKey(row: Pick<UserRow, "emailKey" | "username">, field: UniqueField): string | null {
  return field === "EMAIL" ? row.emailKey : row.username;
}

/** Why a person's data cannot be imported, whatever the other users are; null when it can. */
function invalidReason(person: DirectoryPerson): string | null {
  for (const [name, max] of Object.entries(MAX_LENGTH) as [keyof typeof MAX_LENGTH, number][]) {
    if ((person[name]?.length ?? 0) > max) return `The ${name} is longer than ${max} characters`;
  }
  if (person.email && !EMAIL_PATTERN.test(person.email)) return "The email is not a valid address";
  const profile = JSON.stringify(person.profile);
  if (profile.length > MAX_PROFILE_CHARS) return "The profile is larger than 64 KB";
  // PostgreSQL stores no NUL character in text or JSON: it would fail the whole page. The named
  // fields are the profile's, but a provider may fill them otherwise.
  if (profile.includes("\\u0000") || TEXT_FIELDS.some((name) => person[name]?.includes("\0"))) {
    return "The data contains a NUL character";
  }
  return null;
}

interface Claim {
  index: number;
  person: DirectoryPerson;
  key: string;
  /** The user it would update: its own, or one of no source to adopt. */
  row: UserRow | null;
}

/**
 * Matches each person by external id first (so an email change updates the user), then by the
 * unique field. `rows` are the organization's users with those external ids or keys. A key may
 * end up with one user only: when several claim it (two directory users with one email, a user
 * of another sync or of no source holding it), the user already holding it wins, then the first
 * listed, and the others become errors. Refusing a claim leaves that person's user on its old
 * key, which may refuse another claim, hence the loop (it ends: each pass refuses one at least).
 */
export function matchPeople(people: DirectoryPerson[], rows: UserRow[], sync: MatchingSync): Match[] {
  const field = sync.uniqueField;
  const keyOf = (row: UserRow) => rowKey(row, field);
  const own = new Map(rows.filter((r) => r.userSyncId === sync.id).map((r) => [r.externalId, r]));
  const sourceless = new Map<string, UserRow>();
  for (const row of rows) {
    const key = keyOf(row);
    if (row.userSyncId === null && key && !sourceless.has(key)) sourceless.set(key, row);
  }

  const matches: Match[] = [];
  const claims: Claim[] = [];
  people.forEach((person, index) => {
    const row = own.get(person.externalId) ?? null;
    if (person.status === DEPROVISIONED) {
      matches[index] = { kind: "deprovisioned", person, row };
      return;
    }
    const key = uniqueKey(person, field);
    if (!key) {
      matches[index] = {
        kind: "error",
        person,
        key,
        reason: `No ${FIELD_LABEL[field]}, the sync's unique field`,
        code: "NO_UNIQUE_VALUE",
        collidesWith: null,
      };
      return;
    }
    const reason = invalidReason(person);
    if (reason)
      matches[index] = { kind: "error", person, key, reason, code: "INVALID_DATA", collidesWith: null };
    else claims.push({ index, person, key, row: row ?? sourceless.get(key) ?? null });
  });

  const accepted = new Set(claims);
  const refuse = (claim: Claim, refusal: Refusal) => {
    accepted.delete(claim);
    matches[claim.index] = { kind: "error", person: claim.person, key: claim.key, ...refusal };
  };
  let before: number;
  do {
    before = accepted.size;
    for (const { claims: claimants, holders } of keyHolders(accepted, rows, keyOf).values()) {
      const [holder] = holders;
      if (holder) {
        for (const claim of claimants) refuse(claim, heldRefusal(field, sync.id, holder));
        continue;
      }
      const winner = claimants.find((c) => c.row && keyOf(c.row) === c.key) ?? claimants[0];
      for (const claim of claimants) {
        if (winner && claim !== winner) {
          refuse(
            claim,
            duplicate(field, { externalId: winner.person.externalId, userId: winner.row?.id ?? null }),
          );
        }
      }
    }
  } while (accepted.size < before);

  for (const claim of accepted) {
    matches[claim.index] = claim.row
      ? { kind: "update", person: claim.person, key: claim.key, row: claim.row }
      : { kind: "create", person: claim.person, key: claim.key };
  }
  return matches;
}

/** Who would hold each key if the accepted claims were applied: claims, and users no claim takes. */
function keyHolders(accepted: Set<Claim>, rows: UserRow[], keyOf: (row: UserRow) => string | null) {
  const byKey = new Map<string, { claims: Claim[]; holders: UserRow[] }>();
  const entry = (key: string) => {
    const existing = byKey.get(key);
    if (existing) return existing;
    const created = { claims: [] as Claim[], holders: [] as UserRow[] };
    byKey.set(key, created);
    return created;
  };
  const taken = new Set<string>();
  for (const claim of accepted) {
    entry(claim.key).claims.push(claim);
    if (claim.row) taken.add(claim.row.id);
  }
  for (const row of rows) {
    const key = keyOf(row);
    if (key && !taken.has(row.id)) entry(key).holders.push(row);
  }
  return byKey;
}

function duplicate(field: UniqueField, other: Collider): Refusal {
  return {
    reason: `Another directory user (${other.externalId}) has the same ${FIELD_LABEL[field]}`,
    code: "DUPLICATE",
    collidesWith: other,
  };
}

function heldRefusal(field: UniqueField, syncId: string, holder: UserRow): Refusal {
  if (holder.userSyncId === syncId)
    return duplicate(field, { externalId: holder.externalId, userId: holder.id });
  const collidesWith = { externalId: null, userId: holder.id };
  if (holder.userSyncId === null) {
    return {
      reason: `The ${FIELD_LABEL[field]} is already used by another user of the organization`,
      code: "HELD_BY_UNSOURCED_USER",
      collidesWith,
    };
  }
  return {
    reason: `The ${FIELD_LABEL[field]} is already owned by another source`,
    code: "HELD_BY_OTHER_SOURCE",
    collidesWith,
  };
}
