import type { Db, SyncAttention, SyncAttentionCode, UniqueField } from "@/lib/db";
import { keysetPage } from "@/lib/pagination";
import { rowKey } from "@/lib/sync/match";

/*
 * Needs attention, as the dashboard reads it: the sync's Okta users not imported now (written by
 * the engine, lib/sync/attention.ts), what each problem is, and what fixes it.
 */

/** The problems in the order the page lists them: the most common first. */
export const ATTENTION_CODES = [
  "DUPLICATE",
  "NO_UNIQUE_VALUE",
  "INVALID_DATA",
  "HELD_BY_UNSOURCED_USER",
  "HELD_BY_OTHER_SOURCE",
] as const satisfies readonly SyncAttentionCode[];

const VALUE: Record<UniqueField, string> = { EMAIL: "email", USERNAME: "username" };
const FIELD: Record<UniqueField, string> = { EMAIL: "Email", USERNAME: "Username" };
const OTHER: Record<UniqueField, UniqueField> = { EMAIL: "USERNAME", USERNAME: "EMAIL" };

/** A full run lists every user: the way to retry those who did not change in Okta. */
const RETRY =
  "SYNC DATA imports a user once they change in Okta; after a fix anywhere else, click Full resync.";

export interface AttentionProblem {
  label: string;
  fix: string;
  /** How a row names the colliding user: the words before and after its name. */
  collision?: [before: string, after: string];
}

/** What a problem is called, and what fixes it, under the sync's Unique field. */
export function attentionProblem(code: SyncAttentionCode, field: UniqueField): AttentionProblem {
  const value = VALUE[field];
  const switchField = `or, if every Okta user has a unique ${VALUE[OTHER[field]]}, switch the Unique field to ${FIELD[OTHER[field]]} (EDIT) and click Full resync.`;
  switch (code) {
    case "DUPLICATE":
      return {
        label: `Same ${value} as another Okta user`,
        collision: [`Same ${value} as`, ""],
        fix: `Give each Okta user their own ${value}: change it in Okta on the user listed here (the user already imported keeps it), ${switchField} ${RETRY}`,
      };
    case "NO_UNIQUE_VALUE":
      return {
        label: `No ${value}`,
        fix: `Give the user ${value === "email" ? "an" : "a"} ${value} in Okta, ${switchField}`,
      };
    case "INVALID_DATA":
      return {
        label: "Invalid data",
        fix: "Correct the value the problem names in Okta (a malformed email, a value that is too long, a NUL character, a profile over 64 KB): the next SYNC DATA imports the user.",
      };
    case "HELD_BY_UNSOURCED_USER":
      return {
        label: `${FIELD[field]} held by a user of no source`,
        collision: [`${FIELD[field]} held by`, ""],
        fix: `The ${value} belongs to a dashboard user no sync imported, while this Okta user was imported as another one: change the ${value} in Okta, or ask your operator to remove the duplicate dashboard user. ${RETRY}`,
      };
    case "HELD_BY_OTHER_SOURCE":
      return {
        label: `${FIELD[field]} held by another sync's user`,
        collision: [`${FIELD[field]} held by`, " (another sync)"],
        fix: `Another sync of your organization imports a user with this ${value}: decide which sync owns the person (two syncs must not import the same people with the same Unique field), then change the ${value} in one of the directories. ${RETRY}`,
      };
  }
}

/** How many Okta users the sync does not import now. */
export function countAttention(db: Db, userSyncId: string): Promise<number> {
  return db.syncAttention.count({ where: { userSyncId } });
}

/** How many of each problem, in ATTENTION_CODES order, those with none left out. */
export async function attentionCounts(db: Db, userSyncId: string) {
  const groups = await db.syncAttention.groupBy({ by: ["code"], where: { userSyncId }, _count: true });
  const count = new Map(groups.map((group) => [group.code, group._count]));
  return ATTENTION_CODES.flatMap((code) => (count.has(code) ? [{ code, count: count.get(code) ?? 0 }] : []));
}

/** The dashboard user a refused value collides with, as it is now. */
export interface AttentionCollider {
  /** Its page, when the colliding user is in the dashboard. */
  userId: string | null;
  name: string | null;
  /** Its Okta id, when it is another Okta user of this sync. */
  externalId: string | null;
  /** It still holds the value: if not, the next full run imports the refused user. */
  holdsValue: boolean;
}

export interface AttentionEntry extends SyncAttention {
  /** The dashboard user this Okta user was imported as before a run refused them, if any. */
  userId: string | null;
  collider: AttentionCollider | null;
}

interface Sync {
  id: string;
  organizationId: string;
  uniqueField: UniqueField;
}

const USER_FIELDS = {
  id: true,
  externalId: true,
  name: true,
  email: true,
  username: true,
  emailKey: true,
} as const;

/** A page of the sync's entries, by name, with their colliding users resolved as they are now. */
export async function listAttention(
  db: Db,
  sync: Sync,
  query: { code?: SyncAttentionCode; after?: string; before?: string },
  limit = 50,
) {
  const page = await keysetPage(
    { field: "name", type: "text", direction: "asc" },
    { after: query.after, before: query.before, limit },
    (args) =>
      db.syncAttention.findMany({
        where: { AND: [{ userSyncId: sync.id }, query.code ? { code: query.code } : {}, args.where] },
        orderBy: args.orderBy,
        take: args.take,
      }),
  );
  const entries = page.items;
  const ofSync = (externalIds: (string | null)[]) =>
    db.directoryUser.findMany({
      where: { userSyncId: sync.id, externalId: { in: externalIds.filter((id) => id !== null) } },
      select: USER_FIELDS,
    });
  const [own, sameSync, byId] = await Promise.all([
    ofSync(entries.map((entry) => entry.externalId)),
    ofSync(entries.map((entry) => entry.collidesWithExternalId)),
    // Scoped to the organization: an id recorded here never reaches another organization's user.
    db.directoryUser.findMany({
      where: {
        organizationId: sync.organizationId,
        id: { in: entries.flatMap((entry) => entry.collidesWithUserId ?? []) },
      },
      select: USER_FIELDS,
    }),
  ]);
  const ownId = new Map(own.map((user) => [user.externalId, user.id]));
  const byExternalId = new Map(sameSync.map((user) => [user.externalId, user]));
  const byUserId = new Map(byId.map((user) => [user.id, user]));

  const items: AttentionEntry[] = entries.map((entry) => {
    const userId = ownId.get(entry.externalId) ?? null;
    const { collidesWithExternalId: externalId, collidesWithUserId: colliderId } = entry;
    if (!externalId && !colliderId) return { ...entry, userId, collider: null };
    // Another Okta user of this sync is found as it is imported now (it may have been created
    // after the refusal); a user of no source or of another sync, by its id.
    const user =
      (externalId && byExternalId.get(externalId)) || (colliderId && byUserId.get(colliderId)) || null;
    return {
      ...entry,
      userId,
      collider: {
        userId: user?.id ?? null,
        name: user ? user.name || user.email || user.username : null,
        externalId,
        holdsValue: user !== null && rowKey(user, sync.uniqueField) === entry.userKey,
      },
    };
  });
  return { ...page, items };
}
