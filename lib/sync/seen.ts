import { type Columns, ITEM, insertRows, PAIR, splitAggregate, type Tx } from "./sql";

/**
 * A run's scratch (SyncRunSeen): what its listings saw. Full runs decide deletions from it
 * without writing to the users they saw unchanged; it is emptied when the run ends.
 */
export const SEEN_USERS = "users";
export const SEEN_GROUPS = "groups";
/** The members of a group whose listing spans steps are staged in a scope of their own. */
export const seenMembersOf = (groupId: string) => `members:${groupId}`;
/**
 * Memberships the listings no longer show: removed after the safeguard lets them through
 * (`removeStagedMemberships`), dropped with the scratch when it does not.
 */
export const SEEN_MEMBER_REMOVALS = "member-removals";
export const memberRemovalKey = (groupId: string, userId: string) => `${groupId}${PAIR}${userId}`;
/** Full runs: the groups whose members were read whole alongside the users (not read again). */
export const SEEN_MEMBERS_READ = "members-read";
/**
 * Full runs: members listed before their user was imported (key: the user's directory id; the
 * UserGroup ids of the groups it joins, U+001F between them, in `externalIds`), resolved by the
 * step that imports the user (`resolvePendingMembers`).
 */
export const SEEN_PENDING_MEMBERS = "pending-members";

interface SeenRow {
  syncRunId: string;
  scope: string;
  key: string;
  deprovisioned: boolean;
}

const SEEN_COLUMNS: Columns<SeenRow> = {
  syncRunId: "text",
  scope: "text",
  key: "text",
  deprovisioned: "boolean",
};

export async function markSeen(
  tx: Tx,
  syncRunId: string,
  scope: string,
  entries: { key: string; deprovisioned?: boolean }[],
): Promise<void> {
  await insertRows(
    tx,
    "SyncRunSeen",
    SEEN_COLUMNS,
    entries.map(({ key, deprovisioned = false }) => ({ syncRunId, scope, key, deprovisioned })),
    // A listing may show an item twice when the directory changes while it is paged.
    { skipDuplicates: true },
  );
}

export async function seenKeys(tx: Tx, syncRunId: string, scope: string): Promise<string[]> {
  const [row] = await tx.$queryRaw<{ keys: string | null }[]>`
    SELECT string_agg(key, ${ITEM}) AS keys FROM "SyncRunSeen"
    WHERE "syncRunId" = ${syncRunId} AND scope = ${scope}`;
  return splitAggregate(row?.keys ?? null);
}

export async function clearSeen(tx: Tx, syncRunId: string, scope?: string): Promise<void> {
  await tx.syncRunSeen.deleteMany({ where: { syncRunId, scope } });
}
