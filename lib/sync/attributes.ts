import { createHash } from "node:crypto";
import type { DirectoryPerson } from "@/lib/directory/types";

/** The attributes a sync copies from the directory onto a DirectoryUser. */
export interface SyncedAttributes {
  email: string | null;
  emailKey: string | null;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  /** What the dashboard shows and sorts by (DirectoryUser.name). */
  name: string;
  status: string;
  profile: Record<string, unknown>;
}

export function syncedAttributes(person: DirectoryPerson): SyncedAttributes {
  return {
    email: person.email,
    emailKey: person.email?.toLowerCase() ?? null,
    username: person.username,
    firstName: person.firstName,
    lastName: person.lastName,
    displayName: person.displayName,
    name: displayName(person),
    status: person.status,
    profile: person.profile,
  };
}

/** The name the dashboard shows: display name, else first and last name, else username or email. */
export function displayName(person: DirectoryPerson): string {
  const full = [person.firstName, person.lastName].filter(Boolean).join(" ");
  return (person.displayName || full || person.username || person.email || "").trim();
}

/** Equal hashes mean equal synced attributes, so an unchanged user costs no write. */
export function contentHash(attributes: SyncedAttributes): string {
  return createHash("sha256").update(stableJson(attributes)).digest("base64url");
}

/** JSON with object keys sorted, so that equal values give equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export type Changes = Record<string, [unknown, unknown]>;

const COLUMNS = [
  "externalId",
  "email",
  "username",
  "firstName",
  "lastName",
  "displayName",
  "status",
  "emailVerified",
] as const;

type Compared = { [K in (typeof COLUMNS)[number]]: unknown } & { profile: unknown };

/**
 * `{ field: [before, after] }` for a SyncRunItem. Profile attributes show as `profile.<name>`,
 * except those whose change a column already shows (Okta mirrors email, names and login there).
 */
export function changesBetween(before: Compared, after: Compared): Changes {
  const changes: Changes = {};
  for (const column of COLUMNS) {
    if (before[column] !== after[column]) changes[column] = [before[column], after[column]];
  }
  const shown = new Set(Object.values(changes).map((pair) => stableJson(pair)));
  const was = asRecord(before.profile);
  const now = asRecord(after.profile);
  for (const name of new Set([...Object.keys(was), ...Object.keys(now)])) {
    const pair: [unknown, unknown] = [was[name] ?? null, now[name] ?? null];
    if (stableJson(pair[0]) !== stableJson(pair[1]) && !shown.has(stableJson(pair))) {
      changes[`profile.${name}`] = pair;
    }
  }
  return changes;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
