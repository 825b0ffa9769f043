import { Prisma, type SyncRun, type UserSync } from "@/lib/db";
import {
  ChangeLogUnavailableError,
  type ChangeLogUnavailableReason,
  type DirectoryChange,
  type FeedKind,
  type FeedPositions,
  type ListOptions,
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

/**
 * A delta run: incremental, reading what changed (no fallback) from the change log, or from the
 * change feed's delta listings.
 */
export const readsChangeLog = (run: Pick<SyncRun, "mode" | "fallback">) =>
  run.mode === "INCREMENTAL" && run.fallback === null;

/**
 * How a directory tells what changed: a change log read by time (Okta's System Log), a change
 * feed read from positions its listings hand out (Graph's delta queries), or neither.
 */
export type ChangeSource = { kind: "log" } | { kind: "feed"; retentionMs: number } | null;

export type LogGap = ChangeLogUnavailableReason | "no-log" | "not-continuous";

/** The positions a sync's next delta run starts from, or null when it has none. */
export function feedPositionsOf(value: unknown): FeedPositions | null {
  if (typeof value !== "object" || value === null) return null;
  const { users, groups } = value as Record<string, unknown>;
  return typeof users === "string" && typeof groups === "string" ? { users, groups } : null;
}

/** Why the sync cannot run on its change log now, or null when it can (before any request). */
export function changeLogGap(sync: UserSync, now: Date, source: ChangeSource): LogGap | null {
  if (!source) return "no-log";
  if (!sync.logCursor || (source.kind === "feed" && !feedPositionsOf(sync.feedPositions)))
    return "not-continuous";
  const retention = source.kind === "feed" ? source.retentionMs : CHANGE_LOG_RETENTION_MS;
  if (now.getTime() - sync.logCursor.getTime() > retention) return "retention";
  return null;
}

const WHY: Record<"log" | "feed", Record<LogGap, string>> = {
  log: {
    "no-log": "This directory has no change log.",
    "not-continuous": "The System Log has not been read without a gap since the last full run.",
    forbidden:
      "Okta did not let this API token read the System Log: its admin needs the okta.logs.read scope or a read-only admin role.",
    retention: "The System Log was last read more than 90 days ago, longer than Okta keeps it.",
    "cut-short": "Okta's System Log listing ended before this run's start.",
    reset: "Okta's System Log cannot be read from where the last run stopped.",
  },
  feed: {
    "no-log": "This directory has no change log.",
    "not-continuous": "The directory's changes have not been followed without a gap since the last full run.",
    forbidden: "The directory refused to list its changes.",
    retention:
      "The directory's changes were last read longer ago than it keeps them (7 days for Microsoft Graph).",
    "cut-short": "The directory's list of changes ended early.",
    reset: "The directory asked for a full synchronization before it lists changes again.",
  },
};

/**
 * What the run's page and report say about a run that could not use the log. The directory's own
 * words (`detail`) are added where they tell more than the reason (where a listing was cut short).
 */
export function fallbackMessage(
  gap: LogGap,
  mode: "FULL" | "INCREMENTAL",
  source: ChangeSource,
  detail?: string,
): string {
  const instead =
    mode === "FULL"
      ? "This run listed every user and group instead."
      : "This run re-listed the groups whose members changed instead; users deleted in Okta are removed by the next full run.";
  const why = WHY[source?.kind ?? "log"][gap];
  return [why, gap === "cut-short" && detail, instead].filter(Boolean).join(" ");
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

/**
 * The run cannot read what changed: before it has removed anything, it starts over as a full run
 * (a run an admin started, or one on a change feed, whose positions are taken anew), or re-lists
 * the groups whose members moved (a scheduled run on a change log). What it read goes.
 */
export async function fallBack(
  ctx: StepContext,
  state: SyncState,
  gap: LogGap,
  detail: string,
): ReturnType<Step> {
  const { run, sync } = ctx;
  const source = ctx.directory.changeSource;
  const mode = run.trigger === "SCHEDULED" && source?.kind !== "feed" ? "INCREMENTAL" : "FULL";
  const feedPositions = mode === "FULL" ? await startingPositions(ctx) : null;
  const next = await commitStep(ctx, state, async (tx) => {
    await tx.syncRunChange.deleteMany({ where: { syncRunId: run.id } });
    return {
      next: { ...state, phase: mode === "FULL" ? "GROUPS" : "USERS", cursor: null },
      run: {
        mode,
        fallback: fallbackMessage(gap, mode, source, detail),
        feedPositions: feedPositions ?? Prisma.DbNull,
        ...(mode === "FULL" && {
          usersExpected: await tx.directoryUser.count({ where: { userSyncId: sync.id } }),
        }),
      },
    };
  });
  return running(next);
}

/**
 * A full run on a change feed takes the feed's positions before it lists anything, so the next
 * delta run reads every change made while it listed (a change read twice changes nothing).
 */
export async function startingPositions(ctx: StepContext): Promise<FeedPositions | null> {
  if (ctx.run.preview) return null;
  return ctx.directory.changeSource?.kind === "feed" ? ctx.directory.feedPositions() : null;
}

/**
 * A delta listing's pages of a change feed, in the step's transaction: the entries they removed
 * are recorded as deletions for DELETIONS (after the safeguard), those they list are not (a
 * removal, then a restore, read in one run), and a complete listing's position becomes the run's.
 */
export async function recordFeedPage(
  tx: Tx,
  ctx: StepContext,
  kind: "user" | "group",
  listed: { present: string[]; removed: string[]; position: string | null },
): Promise<Prisma.SyncRunUpdateManyMutationInput> {
  const { run, now } = ctx;
  await tx.syncRunChange.deleteMany({ where: { syncRunId: run.id, kind, key: { in: listed.present } } });
  // Graph does not order a round's entries: one both listed and removed in it is kept.
  const present = new Set(listed.present);
  const removed = listed.removed
    .filter((key) => !present.has(key))
    .map((key) => ({ syncRunId: run.id, kind, key, change: "deleted" as const, at: now }));
  await insertRows(tx, "SyncRunChange", CHANGE_COLUMNS, removed, {
    onConflict: Prisma.sql`ON CONFLICT ("syncRunId", kind, key) DO UPDATE SET change = excluded.change, at = excluded.at`,
  });
  const read = { logChanges: { increment: listed.present.length + listed.removed.length } };
  if (listed.position === null) return read;
  const reached = { ...feedPositionsOf(run.feedPositions), [`${kind}s`]: listed.position };
  return { ...read, feedPositions: reached };
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

/**
 * A delta run on a change feed lists from the feed's positions; another incremental run lists
 * what changed since the previous run began, less a margin for skew.
 */
export function listOptions(ctx: StepContext, kind: FeedKind): ListOptions {
  const from = ctx.sync.lastSyncedFrom;
  if (ctx.run.mode !== "INCREMENTAL" || !from) return {};
  const feed = readsFeed(ctx) ? feedPositionsOf(ctx.sync.feedPositions) : null;
  if (feed) return { changesFrom: feed[kind] };
  return { updatedSince: new Date(from.getTime() - INCREMENTAL_OVERLAP_MS) };
}

/** A delta run reading the directory's change log (CHANGES, then `applyLoggedChanges`). */
export const readsLog = (ctx: StepContext) =>
  readsChangeLog(ctx.run) && ctx.directory.changeSource?.kind === "log";

/** A delta run whose listings are the directory's change feed. */
export const readsFeed = (ctx: StepContext) =>
  readsChangeLog(ctx.run) && ctx.directory.changeSource?.kind === "feed";

/** A delta run's first page could not be read from the feed's position: the run falls back. */
export const feedUnreadable = (
  ctx: StepContext,
  state: SyncState,
  error: unknown,
): error is ChangeLogUnavailableError =>
  error instanceof ChangeLogUnavailableError && state.cursor === null && readsFeed(ctx);

/** A delta round may list an entry more than once (Graph's replays): its last listing stands. */
export const lastOfEach = <T extends { externalId: string }>(items: T[]): T[] => [
  ...new Map(items.map((item) => [item.externalId, item])).values(),
];
