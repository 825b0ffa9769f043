import { randomUUID } from "node:crypto";
import { yielder } from "@/lib/async/yield";
import { type EnrollmentStatus, Prisma, type UniqueField, type UserSync } from "@/lib/db";
import type { DirectoryPerson } from "@/lib/directory/types";
import { noteMatches } from "./attention";
import { changesBetween, contentHash, type SyncedAttributes, syncedAttributes } from "./attributes";
import {
  fallBack,
  feedUnreadable,
  lastOfEach,
  listOptions,
  readsChangeLog,
  readsFeed,
  recordFeedPage,
} from "./changes";
import { type RunItem, recordItems } from "./items";
import { matchPeople, type UserRow, uniqueKey } from "./match";
import { applyMembersAlongside, markMembersStale, readMembersAlongside } from "./memberships";
import { asPreviewed, recordPreviewed } from "./preview";
import { markSeen, SEEN_USERS } from "./seen";
import { type Columns, insertRows, lockOrganizationUsers, quoted, type Tx, textSet, updateRows } from "./sql";
import { commitStep, fetchPages, type RunCounts, running, type Step, type StepContext } from "./step";
import { DEPROVISIONED, INCREMENTAL_OVERLAP_MS } from "./types";

/**
 * USERS: a few pages of the user listing, matched and written in one transaction. A full run
 * (which listed its groups first) reads member pages alongside, applied after the step's users
 * (`applyMembersAlongside`), which also resolves the members listed before their user.
 */
export const usersStep: Step = async (ctx, state) => {
  // A preview reads no members (lib/sync/preview.ts).
  const alongside = ctx.run.mode === "FULL" && !ctx.run.preview;
  // Both read to their end, so a failed step counts every request it made and leaves none running.
  const [users, memberPages] = await Promise.allSettled([
    fetchPages(ctx.budget.userPages, state.cursor, (cursor) =>
      ctx.directory.listUsers(cursor, listOptions(ctx, "users")),
    ),
    alongside ? readMembersAlongside(ctx, state) : null,
  ]);
  if (users.status === "rejected") {
    if (feedUnreadable(ctx, state, users.reason))
      return fallBack(ctx, state, users.reason.reason, users.reason.message);
    throw users.reason;
  }
  if (memberPages.status === "rejected") throw memberPages.reason;
  const [listed, members] = [users.value, memberPages.value];
  const people = readsFeed(ctx) ? lastOfEach(listed.items) : listed.items;
  const next = await commitStep(ctx, state, async (tx) => {
    const counts: RunCounts = { pagesFetched: listed.pages, ...(await applyUsers(tx, ctx, people)) };
    const fed =
      readsFeed(ctx) &&
      (await recordFeedPage(tx, ctx, "user", { ...listed, present: people.map((p) => p.externalId) }));
    const read =
      members &&
      (await applyMembersAlongside(tx, ctx, state, members, {
        externalIds: people.map((p) => p.externalId),
        complete: listed.next === null,
      }));
    if (read) {
      counts.pagesFetched = (counts.pagesFetched ?? 0) + (read.counts.pagesFetched ?? 0);
      counts.membershipsAdded = read.counts.membershipsAdded;
    }
    const run = fed || undefined;
    if (listed.next) return { next: { ...state, ...read?.position, cursor: listed.next }, counts, run };
    if (ctx.run.preview) return { next: { ...state, phase: "SAFEGUARD", cursor: null }, counts };
    if (!read) return { next: { ...state, phase: "GROUPS", cursor: null }, counts, run };
    // MEMBERSHIPS reads what is left from the start: Everyone, and groups not read whole alongside.
    return {
      next: { ...state, ...read.position, phase: "MEMBERSHIPS", cursor: null, afterGroupId: null },
      counts,
    };
  });
  return running(next);
};

const USER_ROW = {
  id: true,
  userSyncId: true,
  externalId: true,
  email: true,
  emailKey: true,
  username: true,
  firstName: true,
  lastName: true,
  displayName: true,
  status: true,
  emailVerified: true,
  profile: true,
  contentHash: true,
} as const satisfies Record<keyof UserRow, true>;

/** The columns a sync writes, on create and update. */
interface UserValues extends SyncedAttributes {
  id: string;
  userSyncId: string;
  externalId: string;
  contentHash: string;
  externalUpdatedAt: Date | null;
  emailVerified: boolean;
}

interface NewUser extends UserValues {
  organizationId: string;
  enrollmentStatus: EnrollmentStatus;
  createdAt: Date;
  updatedAt: Date;
}

const VALUE_COLUMNS: Columns<UserValues> = {
  id: "text",
  userSyncId: "text",
  externalId: "text",
  email: "text",
  emailKey: "text",
  username: "text",
  firstName: "text",
  lastName: "text",
  displayName: "text",
  name: "text",
  status: "text",
  profile: "jsonb",
  contentHash: "text",
  externalUpdatedAt: "timestamp(3)",
  emailVerified: "boolean",
};

const NEW_USER_COLUMNS: Columns<NewUser> = {
  ...VALUE_COLUMNS,
  organizationId: "text",
  enrollmentStatus: '"EnrollmentStatus"',
  createdAt: "timestamp(3)",
  updatedAt: "timestamp(3)",
};

/**
 * Creates, updates or refuses each listed person, with one read and a few batched writes
 * whatever the page size. An unchanged user (same content hash) costs no write.
 */
async function applyUsers(tx: Tx, ctx: StepContext, listed: DirectoryPerson[]): Promise<RunCounts> {
  const { run, sync, now } = ctx;
  const people = [...new Map(listed.map((p) => [p.externalId, p])).values()];
  const keyColumn = sync.uniqueField === "EMAIL" ? "emailKey" : "username";
  const keys = people.flatMap((p) => uniqueKey(p, sync.uniqueField) ?? []);
  const externalIds = people.map((p) => p.externalId);

  await lockOrganizationUsers(tx, run.organizationId);
  // The organization's users these people may be. Raw, the ids as one JSON parameter each: Prisma
  // binds each value of an `in` list apart, which held the event loop tens of ms for a step's 4,000.
  const stored = await tx.$queryRaw<UserRow[]>`
    SELECT ${Prisma.raw(quoted(Object.keys(USER_ROW)))} FROM "DirectoryUser"
    WHERE "organizationId" = ${run.organizationId}
      AND (("userSyncId" = ${sync.id} AND "externalId" IN ${textSet(externalIds)})
        OR ${Prisma.raw(`"${keyColumn}"`)} IN ${textSet(keys)})`;
  const rows = run.preview ? await asPreviewed(tx, run, sync.uniqueField, stored, externalIds, keys) : stored;

  const counts = {
    usersProcessed: listed.length,
    usersCreated: 0,
    usersUpdated: 0,
    usersUnchanged: 0,
    usersFailed: 0,
  };
  const creates: NewUser[] = [];
  const updates: UserValues[] = [];
  const items: RunItem[] = [];
  const joined: Joiner[] = [];
  // Mapping the rows held the event loop, and so will matching them: a turn between.
  const pause = yielder();
  await pause();
  const matches = matchPeople(people, rows, sync);
  for (const match of matches) {
    await pause();
    const { externalId } = match.person;
    if (match.kind === "error") {
      counts.usersFailed++;
      items.push({ kind: "ERROR", externalId, userKey: match.key, reason: match.reason });
    } else if (match.kind === "deprovisioned") {
      // Removing a user is the deletions phase's call, behind the safeguard.
      if (match.row?.status === DEPROVISIONED) counts.usersUnchanged++;
    } else if (match.kind === "create") {
      counts.usersCreated++;
      creates.push(newUser(ctx, match.person));
      joined.push({ person: match.person });
      items.push({ kind: "CREATED", externalId, userKey: match.key });
    } else {
      const update = updatedUser(sync, match.person, match.row);
      if (!update) {
        counts.usersUnchanged++;
        continue;
      }
      counts.usersUpdated++;
      updates.push(update);
      if (match.row.userSyncId !== sync.id || match.row.status === DEPROVISIONED) {
        joined.push({ person: match.person, returning: true });
      }
      items.push({
        kind: "UPDATED",
        externalId,
        userKey: match.key,
        changes: changesBetween(match.row, update),
        ...(match.row.userSyncId === null && { reason: "Adopted an existing user of the organization" }),
      });
    }
  }

  await recordItems(tx, run.id, items, now);
  if (run.preview) {
    await recordPreviewed(tx, run.id, previewedUsers(sync.uniqueField, creates, updates));
  } else {
    await insertRows(tx, "DirectoryUser", NEW_USER_COLUMNS, creates);
    await updateRows(tx, "DirectoryUser", VALUE_COLUMNS, updates, now);
    await markJoiners(tx, ctx, joined);
    await noteMatches(tx, ctx, matches);
  }
  // A full run remembers everyone it listed (deletions remove the rest); an incremental run,
  // which sees only changes, remembers whom it saw deactivated.
  const seen = run.mode === "FULL" ? people : people.filter((p) => p.status === DEPROVISIONED);
  await markSeen(
    tx,
    run.id,
    SEEN_USERS,
    seen.map((p) => ({ key: p.externalId, deprovisioned: p.status === DEPROVISIONED })),
  );
  return counts;
}

/** The users a preview would have written, with the key each would then hold. */
function previewedUsers(field: UniqueField, creates: NewUser[], updates: UserValues[]) {
  const keyOf = (user: UserValues) => (field === "EMAIL" ? user.emailKey : user.username) ?? "";
  return [
    ...creates.map((user) => ({ externalId: user.externalId, userId: null, key: keyOf(user) })),
    ...updates.map((user) => ({ externalId: user.externalId, userId: user.id, key: keyOf(user) })),
  ];
}

/** A user who became a member-to-be of the sync's groups in this step. */
interface Joiner {
  person: DirectoryPerson;
  /** Reactivated, or adopted from the organization: its memberships are older than this run. */
  returning?: boolean;
}

/**
 * Groups' members are re-read only when Okta's `lastMembershipUpdated` moved (`groupsToReconcile`),
 * so a user whose memberships did not move as it arrived would never be seen in its groups: one
 * reactivated, adopted, once refused, or created in Okta while the previous run was listing. Such
 * a user marks every group for re-reading, in this step's transaction, so that a run cancelled
 * before its MEMBERSHIPS phase leaves the mark for the next. A user created in Okta after the
 * previous run ended (less the skew margin) joined each of its groups later, and those groups
 * moved — in a delta run, one created after the start of the log's range, whose joins the log
 * holds; it marks only Everyone, whose members are the sync's users.
 */
async function markJoiners(tx: Tx, ctx: StepContext, joined: Joiner[]): Promise<void> {
  if (joined.length === 0) return;
  const { sync, run } = ctx;
  let joinsRecordedAfter: number | null;
  if (readsChangeLog(run) && sync.logCursor) {
    joinsRecordedAfter = sync.logCursor.getTime() - INCREMENTAL_OVERLAP_MS;
  } else {
    const previous = await tx.syncRun.aggregate({
      where: { userSyncId: sync.id, id: { not: run.id } },
      _max: { finishedAt: true },
    });
    const previousEnd = previous._max.finishedAt;
    joinsRecordedAfter = previousEnd && previousEnd.getTime() + INCREMENTAL_OVERLAP_MS;
  }
  const membershipsPredate = ({ person, returning }: Joiner) =>
    returning ||
    joinsRecordedAfter === null ||
    !person.createdAt ||
    person.createdAt.getTime() <= joinsRecordedAfter;
  await markMembersStale(tx, ctx.run, joined.some(membershipsPredate) ? "all" : "everyone");
}

function newUser({ run, sync, now }: StepContext, person: DirectoryPerson): NewUser {
  const attributes = syncedAttributes(person);
  return {
    ...attributes,
    id: randomUUID(),
    organizationId: run.organizationId,
    userSyncId: sync.id,
    externalId: person.externalId,
    contentHash: contentHash(attributes),
    externalUpdatedAt: person.updatedAt,
    emailVerified: sync.enrollmentType === "TRUST_EMAIL",
    // The invitation sender picks INVITED users with no invitedAt (sendEnrollmentInvitations).
    enrollmentStatus: sync.enrollmentType === "SEND_ENROLLMENT_EMAIL" && person.email ? "INVITED" : "NONE",
    createdAt: now,
    updatedAt: now,
  };
}

/** The user's new values, or null when nothing the sync owns would change. */
function updatedUser(sync: UserSync, person: DirectoryPerson, row: UserRow): UserValues | null {
  const attributes = syncedAttributes(person);
  const hash = contentHash(attributes);
  const trustEmail = sync.enrollmentType === "TRUST_EMAIL";
  const owned = row.userSyncId === sync.id;
  if (owned && row.contentHash === hash && (row.emailVerified || !trustEmail)) return null;
  return {
    ...attributes,
    id: row.id,
    userSyncId: sync.id,
    externalId: person.externalId,
    contentHash: hash,
    externalUpdatedAt: person.updatedAt,
    // A verification belongs to an address: a new address is unverified unless the sync trusts it.
    emailVerified: trustEmail || (row.emailVerified && row.emailKey === attributes.emailKey),
  };
}
