import { Prisma, type SyncRun, type UserSync } from "@/lib/db";
import {
  ChangeLogUnavailableError,
  type ChangeLogUnavailableReason,
  type DirectoryChange,
} from "@/lib/directory/types";
import { SEEN_MEMBER_REMOVALS } from "./seen";
import { type Columns, ITEM, insertRows, PAIR, refreshMemberCounts, splitAggregate, type Tx } from "./sql";
import { commitStep, fetchPages, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED, INCREMENTAL_OVERLAP_MS, type SyncState } from "./types";

/*
 * Delta runs: what the listings cannot tell cheaply — memberships added and removed, groups
 * created and deleted, users deleted — read from the directory's change log (Okta's System Log)
 * instead of re-listing every group whose members moved and every user.
 *
 * The log is read from `UserSync.logCursor` less INCREMENTAL_OVERLAP_MS (Okta publishes some
 * events late) to the run's start, into the run's scratch (SyncRunChange): the latest change per
 * membership, group and user, so an event read twice (the overlap, a retried page) changes
 * nothing. After the users and groups listings, `applyLoggedChanges` adds memberships and stages
 * removals for the safeguard; DELETIONS removes the logged groups and users. The cursor moves to
 * the run's start when the run finishes (run.ts `closeRun`), with the last of the changes it covers.
 */

/** Okta keeps 90 days of System Log; a cursor older than this (a day's margin) cannot be read from. */
export const CHANGE_LOG_RETENTION_MS = 89 * 24 * 3600_000;

/**
 * Past this many changes since the last run, listing is cheaper than reading the log (100,000
 * users are 500 user pages; 100,000 changes are 100 log pages, paced at Okta's lower log limit).
 */
export const MAX_LOGGED_CHANGES = 100_000;

/**
 * The group types whose membership changes Okta's System Log records (group.user_membership.add
 * and .remove), for people added by hand, by group rules and by app imports alike.
 */
export const LOGGED_TYPES = ["OKTA_GROUP", "APP_GROUP"] as const;

/** A delta run: incremental, reading the change log (no fallback). */
export const readsChangeLog = (run: Pick<SyncRun, "mode" | "fallback">) =>
  run.mode === "INCREMENTAL" && run.fallback === null;

export type LogGap = ChangeLogUnavailableReason | "no-log" | "not-continuous";

/** Why the sync cannot run on its change log now, or null when it can (before any request). */
export function changeLogGap(sync: UserSync, now: Date, hasChangeLog: boolean): LogGap | null {
  if (!hasChangeLog) return "no-log";
  if (!sync.logCursor) return "not-continuous";
  if (now.getTime() - sync.logCursor.getTime() > CHANGE_LOG_RETENTION_MS) return "retention";
  return null;
}

const WHY: Record<LogGap, string> = {
  "no-log": "This directory has no change log.",
  "not-continuous": "The System Log has not been read without a gap since the last full run.",
  forbidden:
    "Okta did not let this API token read the System Log: its admin needs the okta.logs.read scope or a read-only admin role.",
  retention: "The System Log was last read more than 90 days ago, longer than Okta keeps it.",
  "cut-short": "Okta's System Log listing ended before this run's start.",
};

/**
 * What the run's page and report say about a run that could not use the log. The directory's own
 * words (`detail`) are added where they tell more than the reason (where a listing was cut short).
 */
export function fallbackMessage(gap: LogGap, mode: "FULL" | "INCREMENTAL", detail?: string): string {
  const instead =
    mode === "FULL"
      ? "This run listed every user and group instead."
      : "This run re-listed the groups whose members changed instead; users deleted in Okta are removed by the next full run.";
  return [WHY[gap], gap === "cut-short" && detail, instead].filter(Boolean).join(" ");
}

/**
 * CHANGES: `budget.logPages` pages of the change log into the run's scratch. When the log cannot
 * be used (refused, past retention, cut short), the run falls back before it has written anything:
 * a run an admin started (SYNC DATA, which promises deletions) becomes a full run; a scheduled one
 * re-lists the groups whose members moved.
 */
export const changesStep: Step = async (ctx, state) => {
  const { run, sync } = ctx;
  if (!sync.logCursor || !run.startedAt) throw new Error(`Run ${run.id} has no System Log range`);
  const range = {
    since: new Date(sync.logCursor.getTime() - INCREMENTAL_OVERLAP_MS),
    until: run.startedAt,
  };
  let listed: Awaited<ReturnType<typeof fetchPages<DirectoryChange>>>;
  try {
    listed = await fetchPages(ctx.budget.logPages, state.cursor, (cursor) =>
      ctx.directory.listChanges(cursor, range),
    );
  } catch (error) {
    if (!(error instanceof ChangeLogUnavailableError)) throw error;
    return fallBack(ctx, state, error.reason, error.message);
  }
  const read = run.logChanges + listed.items.length;
  if (read > MAX_LOGGED_CHANGES)
    return fallBack(
      ctx,
      state,
      "cut-short",
      `More than ${MAX_LOGGED_CHANGES.toLocaleString("en-US")} changes since the last run: listing is cheaper.`,
    );
  const next = await commitStep(ctx, state, async (tx) => {
    await recordChanges(tx, run.id, listed.items);
    return {
      next: listed.next ? { ...state, cursor: listed.next } : { ...state, phase: "USERS", cursor: null },
      counts: { pagesFetched: listed.pages },
      run: { logChanges: { increment: listed.items.length } },
    };
  });
  return running(next);
};

async function fallBack(ctx: StepContext, state: SyncState, gap: LogGap, detail: string): ReturnType<Step> {
  const { run, sync } = ctx;
  const mode = run.trigger === "SCHEDULED" ? "INCREMENTAL" : "FULL";
  const next = await commitStep(ctx, state, async (tx) => {
    await tx.syncRunChange.deleteMany({ where: { syncRunId: run.id } });
    return {
      next: { ...state, phase: mode === "FULL" ? "GROUPS" : "USERS", cursor: null },
      run: {
        mode,
        fallback: fallbackMessage(gap, mode, detail),
        ...(mode === "FULL" && {
          usersExpected: await tx.directoryUser.count({ where: { userSyncId: sync.id } }),
        }),
      },
    };
  });
  return running(next);
}

interface ChangeRow {
  syncRunId: string;
  kind: "membership" | "group" | "user";
  key: string;
  change: "added" | "removed" | "created" | "deleted";
  at: Date;
}

const CHANGE_COLUMNS: Columns<ChangeRow> = {
  syncRunId: "text",
  kind: "text",
  key: "text",
  change: "text",
  at: "timestamp(3)",
};

function rowOf(syncRunId: string, change: DirectoryChange): ChangeRow {
  const { at } = change;
  switch (change.kind) {
    case "membership-added":
    case "membership-removed":
      return {
        syncRunId,
        kind: "membership",
        key: `${change.groupExternalId}${PAIR}${change.userExternalId}`,
        change: change.kind === "membership-added" ? "added" : "removed",
        at,
      };
    case "group-created":
    case "group-deleted":
      return {
        syncRunId,
        kind: "group",
        key: change.groupExternalId,
        change: change.kind === "group-created" ? "created" : "deleted",
        at,
      };
    case "user-deleted":
      return { syncRunId, kind: "user", key: change.userExternalId, change: "deleted", at };
  }
}

/**
 * Keeps the latest change per membership, group and user: the log is read oldest first, so a
 * later change (or an equal instant read later) replaces the stored one; one read twice is
 * deduplicated by its id within the step, and changes nothing across steps.
 */
async function recordChanges(tx: Tx, syncRunId: string, changes: DirectoryChange[]): Promise<void> {
  const latest = new Map<string, ChangeRow>();
  const ids = new Set<string>();
  for (const change of changes) {
    if (ids.has(change.id)) continue;
    ids.add(change.id);
    const row = rowOf(syncRunId, change);
    const key = `${row.kind}${PAIR}${row.key}`;
    const stored = latest.get(key);
    if (!stored || stored.at <= row.at) latest.set(key, row);
  }
  await insertRows(tx, "SyncRunChange", CHANGE_COLUMNS, [...latest.values()], {
    onConflict: Prisma.sql`ON CONFLICT ("syncRunId", kind, key) DO UPDATE
      SET change = excluded.change, at = excluded.at WHERE "SyncRunChange".at <= excluded.at`,
  });
}

/**
 * After the users and groups listings of a delta run, in the transaction of the last group page:
 * the logged memberships of the sync's groups (Okta and app groups; Everyone, BUILT_IN, is the
 * sync's users, reconciled in the database, and a group of no known type is listed) are added now, or staged for removal after the safeguard. Then every such group whose
 * members moved counts as read up to the run's start, unless it has staged removals (it counts
 * once they are applied) or was neither known nor created within the log's range (its members are
 * listed). Users not imported (refused) or deprovisioned are members of nothing, as in listings.
 */
export async function applyLoggedChanges(tx: Tx, ctx: StepContext): Promise<{ membershipsAdded: number }> {
  const { run, sync, now } = ctx;
  const until = run.startedAt ?? now;
  const pairs = Prisma.sql`
    FROM "SyncRunChange" c
    JOIN "UserGroup" g ON g."userSyncId" = ${sync.id} AND g.type = ANY(${[...LOGGED_TYPES]}::text[])
      AND g."externalId" = split_part(c.key, ${PAIR}, 1)
    JOIN "DirectoryUser" u ON u."userSyncId" = ${sync.id} AND u.status <> ${DEPROVISIONED}
      AND u."externalId" = split_part(c.key, ${PAIR}, 2)
    WHERE c."syncRunId" = ${run.id} AND c.kind = 'membership'`;
  const [added] = await tx.$queryRaw<{ count: number; groups: string | null }[]>`
    WITH added AS (
      INSERT INTO "GroupMembership" ("groupId", "userId", "createdAt")
      SELECT g.id, u.id, ${now}::timestamp(3) ${pairs} AND c.change = 'added'
      ON CONFLICT DO NOTHING
      RETURNING "groupId")
    SELECT count(*)::int AS count, string_agg(DISTINCT "groupId", ${ITEM}) AS groups FROM added`;
  await tx.$executeRaw`
    INSERT INTO "SyncRunSeen" ("syncRunId", scope, key, deprovisioned)
    SELECT ${run.id}, ${SEEN_MEMBER_REMOVALS}, g.id || ${PAIR} || u.id, false ${pairs} AND c.change = 'removed'
      AND EXISTS (SELECT 1 FROM "GroupMembership" m WHERE m."groupId" = g.id AND m."userId" = u.id)
    ON CONFLICT DO NOTHING`;
  await tx.$executeRaw`
    UPDATE "UserGroup" g
    SET "membershipsUpdatedAt" = least(coalesce(g."externalMembershipUpdatedAt", ${until}), ${until}),
      "updatedAt" = ${now}
    WHERE g."userSyncId" = ${sync.id} AND g.type = ANY(${[...LOGGED_TYPES]}::text[])
      AND (
        g."externalMembershipUpdatedAt" > g."membershipsUpdatedAt"
        OR (g."membershipsUpdatedAt" IS NULL AND EXISTS (
          SELECT 1 FROM "SyncRunChange" c WHERE c."syncRunId" = ${run.id} AND c.kind = 'group'
            AND c.change = 'created' AND c.key = g."externalId"))
      )
      AND NOT EXISTS (
        SELECT 1 FROM "SyncRunSeen" s WHERE s."syncRunId" = ${run.id} AND s.scope = ${SEEN_MEMBER_REMOVALS}
          AND split_part(s.key, ${PAIR}, 1) = g.id)`;
  await refreshMemberCounts(tx, splitAggregate(added?.groups ?? null), now);
  return { membershipsAdded: added?.count ?? 0 };
}

/** A user (alias u) the run's change log says was deleted. */
export function loggedDeletedUser(run: Pick<SyncRun, "id">): Prisma.Sql {
  return Prisma.sql`EXISTS (
    SELECT 1 FROM "SyncRunChange" c
    WHERE c."syncRunId" = ${run.id} AND c.kind = 'user' AND c.key = u."externalId")`;
}

/** A group (alias g) the run's change log says was deleted. */
export function loggedDeletedGroup(run: Pick<SyncRun, "id">): Prisma.Sql {
  return Prisma.sql`EXISTS (
    SELECT 1 FROM "SyncRunChange" c
    WHERE c."syncRunId" = ${run.id} AND c.kind = 'group' AND c.change = 'deleted' AND c.key = g."externalId")`;
}
