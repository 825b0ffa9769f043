import { monotonicFactory } from "ulid";
import type { UserGroup } from "@/lib/db";
import type { DirectoryGroup } from "@/lib/directory/types";
import {
  applyLoggedChanges,
  fallBack,
  feedUnreadable,
  lastOfEach,
  listOptions,
  readsFeed,
  readsLog,
  recordFeedPage,
} from "./changes";
import { markSeen, SEEN_GROUPS } from "./seen";
import { type Columns, insertRows, type Tx, updateRows } from "./sql";
import {
  commitStep,
  type FetchedPages,
  fetchPages,
  type RunCounts,
  running,
  type Step,
  type StepContext,
} from "./step";

/**
 * GROUPS: a few pages of the group listing, created or updated. A full listing remembers the
 * groups it showed; the others are deleted after the safeguard (`removeUnlistedGroups`). A delta
 * run applies the memberships its change log read with the last page (`applyLoggedChanges`).
 */
export const groupsStep: Step = async (ctx, state) => {
  let listed: FetchedPages<DirectoryGroup>;
  try {
    listed = await fetchPages(ctx.budget.groupPages, state.cursor, (cursor) =>
      ctx.directory.listGroups(cursor, listOptions(ctx, "groups")),
    );
  } catch (error) {
    if (feedUnreadable(ctx, state, error)) return fallBack(ctx, state, error.reason, error.message);
    throw error;
  }
  const groups = readsFeed(ctx) ? lastOfEach(listed.items) : listed.items;
  const next = await commitStep(ctx, state, async (tx) => {
    const counts = { pagesFetched: listed.pages, ...(await applyGroups(tx, ctx, groups)) };
    const run =
      (readsFeed(ctx) &&
        (await recordFeedPage(tx, ctx, "group", { ...listed, present: groups.map((g) => g.externalId) }))) ||
      undefined;
    if (listed.next) return { next: { ...state, cursor: listed.next }, counts, run };
    // A full run lists its groups first, then the users with the members alongside.
    if (ctx.run.mode === "FULL") return { next: { ...state, phase: "USERS", cursor: null }, counts };
    const logged = readsLog(ctx) ? await applyLoggedChanges(tx, ctx) : {};
    return { next: { ...state, phase: "MEMBERSHIPS", cursor: null }, counts: { ...counts, ...logged }, run };
  });
  return running(next);
};

interface GroupUpdate {
  id: string;
  name: string;
  description: string | null;
  type: string | null;
  externalMemberCount: number | null;
  externalUpdatedAt: Date | null;
  externalMembershipUpdatedAt: Date | null;
}

const UPDATE_COLUMNS: Columns<GroupUpdate> = {
  id: "text",
  name: "text",
  description: "text",
  type: "text",
  externalMemberCount: "integer",
  externalUpdatedAt: "timestamp(3)",
  externalMembershipUpdatedAt: "timestamp(3)",
};

interface NewGroup extends GroupUpdate {
  organizationId: string;
  userSyncId: string;
  externalId: string;
  createdAt: Date;
  updatedAt: Date;
}

// Written like users (sql.ts): Prisma's createMany held the event loop about 1 ms a group.
const NEW_GROUP_COLUMNS: Columns<NewGroup> = {
  ...UPDATE_COLUMNS,
  organizationId: "text",
  userSyncId: "text",
  externalId: "text",
  createdAt: "timestamp(3)",
  updatedAt: "timestamp(3)",
};

/** Ids in the order groups are created, as Prisma's cuids were: members are read in id order. */
const newGroupId = monotonicFactory();

async function applyGroups(tx: Tx, ctx: StepContext, groups: DirectoryGroup[]): Promise<RunCounts> {
  const { run, sync, now } = ctx;
  const existing = new Map(
    (
      await tx.userGroup.findMany({
        where: { userSyncId: sync.id, externalId: { in: groups.map((g) => g.externalId) } },
      })
    ).map((g) => [g.externalId, g]),
  );
  const creates: NewGroup[] = [];
  const updates: GroupUpdate[] = [];
  let groupsUpdated = 0;
  for (const group of groups) {
    const values: Omit<GroupUpdate, "id"> = {
      name: group.name,
      description: group.description,
      type: group.type,
      externalMemberCount: group.memberCount,
      externalUpdatedAt: group.updatedAt,
      externalMembershipUpdatedAt: group.membershipUpdatedAt,
    };
    const row = existing.get(group.externalId);
    if (!row) {
      creates.push({
        ...values,
        id: newGroupId(),
        organizationId: run.organizationId,
        userSyncId: sync.id,
        externalId: group.externalId,
        createdAt: now,
        updatedAt: now,
      });
      continue;
    }
    const renamed =
      row.name !== group.name || row.description !== group.description || row.type !== group.type;
    if (renamed) groupsUpdated++;
    // A moved membership timestamp is a write too: it marks the group's members for re-reading.
    if (renamed || !sameListing(row, values)) updates.push({ id: row.id, ...values });
  }
  if (!run.preview) {
    await insertRows(tx, "UserGroup", NEW_GROUP_COLUMNS, creates);
    await updateRows(tx, "UserGroup", UPDATE_COLUMNS, updates, now);
  }
  if (run.mode === "FULL") {
    await markSeen(
      tx,
      run.id,
      SEEN_GROUPS,
      groups.map((g) => ({ key: g.externalId })),
    );
  }
  return { groupsCreated: creates.length, groupsUpdated };
}

function sameListing(
  row: UserGroup,
  values: Pick<GroupUpdate, "externalMemberCount" | "externalUpdatedAt" | "externalMembershipUpdatedAt">,
): boolean {
  const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
  return (
    row.externalMemberCount === values.externalMemberCount &&
    same(row.externalUpdatedAt, values.externalUpdatedAt) &&
    same(row.externalMembershipUpdatedAt, values.externalMembershipUpdatedAt)
  );
}
