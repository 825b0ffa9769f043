/**
 * A preview (Preview, a dry run) is a run of the same engine with `SyncRun.preview` set: it lists
 * Okta in full and records what SYNC DATA would do — its counters and its per-user items — but
 * the steps skip their writes to users, groups and memberships (`run.preview` at each write), and
 * the function sends no email. Memberships are not read: they are the costliest part of a sync,
 * and a new user's memberships cannot be matched to a user that was not written.
 *
 * The one thing a skipped write would change in later steps is matching: a user created or
 * re-keyed on one page holds its key on the next. The preview keeps those users in its scratch
 * (`SyncRunPreviewUser`) and matches each page against the store as the skipped writes would have
 * left it (`asPreviewed`).
 */
import type { UniqueField } from "@/lib/db";
import type { UserRow } from "./match";
import { type Columns, insertRows, type Tx, textSet } from "./sql";

interface PreviewedUser {
  syncRunId: string;
  externalId: string;
  /** The DirectoryUser it would update; null for one it would create. */
  userId: string | null;
  /** Its unique-field value after the write. */
  key: string;
}

const PREVIEWED_COLUMNS: Columns<PreviewedUser> = {
  syncRunId: "text",
  externalId: "text",
  userId: "text",
  key: "text",
};

/** Remembers the users a preview step would have created or updated, with their keys after it. */
export async function recordPreviewed(
  tx: Tx,
  syncRunId: string,
  users: { externalId: string; userId: string | null; key: string }[],
): Promise<void> {
  await insertRows(
    tx,
    "SyncRunPreviewUser",
    PREVIEWED_COLUMNS,
    users.map((user) => ({ syncRunId, ...user })),
  );
}

/**
 * The rows a preview step matches against: the store's `rows` as earlier steps of the preview
 * would have left them. A user they would have updated is the sync's, under its new key; one they
 * would have created is there too, under its key (a stand-in row: matching reads only its
 * source, external id and key). `externalIds` and `keys` are the page's, as for `rows`.
 */
export async function asPreviewed(
  tx: Tx,
  run: { id: string; userSyncId: string },
  field: UniqueField,
  rows: UserRow[],
  externalIds: string[],
  keys: string[],
): Promise<UserRow[]> {
  const previewed = await tx.$queryRaw<Omit<PreviewedUser, "syncRunId">[]>`
    SELECT "externalId", "userId", key FROM "SyncRunPreviewUser"
    WHERE "syncRunId" = ${run.id}
      AND ("externalId" IN ${textSet(externalIds)} OR key IN ${textSet(keys)}
        OR "userId" IN ${textSet(rows.map((row) => row.id))})`;
  if (previewed.length === 0) return rows;
  const byId = new Map(rows.map((row) => [row.id, row]));
  const written = previewed.map(({ externalId, userId, key }): UserRow => {
    const row = (userId && byId.get(userId)) || standIn(userId ?? `preview:${externalId}`);
    return {
      ...row,
      userSyncId: run.userSyncId,
      externalId,
      ...(field === "EMAIL" ? { emailKey: key } : { username: key }),
    };
  });
  const replaced = new Set(written.map((row) => row.id));
  return [...rows.filter((row) => !replaced.has(row.id)), ...written];
}

function standIn(id: string): UserRow {
  return {
    id,
    userSyncId: null,
    externalId: null,
    email: null,
    emailKey: null,
    username: null,
    firstName: null,
    lastName: null,
    displayName: null,
    status: "ACTIVE",
    emailVerified: false,
    profile: {},
    contentHash: null,
  };
}

/** Empties a preview's scratch as its run ends. */
export async function clearPreviewed(tx: Tx, syncRunId: string): Promise<void> {
  await tx.syncRunPreviewUser.deleteMany({ where: { syncRunId } });
}
