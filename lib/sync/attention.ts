import { randomUUID } from "node:crypto";
import { Prisma, type SyncAttentionCode, type SyncRun } from "@/lib/db";
import { displayName } from "./attributes";
import { goneFromDirectory } from "./deletions";
import type { Match } from "./match";
import { type Columns, insertRows, storableText, type Tx, textSet } from "./sql";
import type { StepContext } from "./step";

/*
 * Needs attention (SyncAttention): the sync's Okta users that are not imported now, why, and with
 * whom their unique value collides, across runs. Written in the transaction of the step that
 * learned it (commitStep), so a step that fails, is retried or is cancelled changes nothing here.
 *
 * - A USERS step that refuses a user records it: the first run that refused it stays, the last
 *   run, the reason and the collision are the latest.
 * - A USERS step that imports the user (created, updated, adopted, or unchanged since an earlier
 *   import) or lists it deactivated (never imported) clears it.
 * - A run that completes clears the users it learned are gone from Okta, by the evidence its
 *   deletions use (`goneFromDirectory`): a full run's listing did not show them, a delta run's
 *   log deleted them. Like the deletions, not when its removals were rejected at the safeguard
 *   (the listing may be the wrong one), nor when it failed or was cancelled.
 * - Delta and incremental runs list only the users changed in Okta: a refused user that did not
 *   change keeps its entry, even when the fix was made elsewhere (the colliding user, the Unique
 *   field); the next full run (Full resync, or the periodic one) lists and imports it.
 */

interface AttentionRow {
  id: string;
  userSyncId: string;
  externalId: string;
  code: SyncAttentionCode;
  reason: string;
  userKey: string | null;
  name: string;
  email: string | null;
  username: string | null;
  collidesWithExternalId: string | null;
  collidesWithUserId: string | null;
  firstSeenRunId: string;
  firstSeenAt: Date;
  lastSeenRunId: string;
  lastSeenAt: Date;
}

const ATTENTION_COLUMNS: Columns<AttentionRow> = {
  id: "text",
  userSyncId: "text",
  externalId: "text",
  code: '"SyncAttentionCode"',
  reason: "text",
  userKey: "text",
  name: "text",
  email: "text",
  username: "text",
  collidesWithExternalId: "text",
  collidesWithUserId: "text",
  firstSeenRunId: "text",
  firstSeenAt: "timestamp(3)",
  lastSeenRunId: "text",
  lastSeenAt: "timestamp(3)",
};

/** What a refusal seen again replaces: everything but the row's identity and its first sighting. */
const ON_REFUSED_AGAIN = Prisma.raw(
  `ON CONFLICT ("userSyncId", "externalId") DO UPDATE SET ${[
    "code",
    "reason",
    "userKey",
    "name",
    "email",
    "username",
    "collidesWithExternalId",
    "collidesWithUserId",
    "lastSeenRunId",
    "lastSeenAt",
  ]
    .map((column) => `"${column}" = EXCLUDED."${column}"`)
    .join(", ")}`,
);

const MAX_NAME = 300;
const optional = (text: string | null) => (text === null ? null : storableText(text, MAX_NAME));

/** A USERS step's matches: records the refused users and clears those the step imported or saw deactivated. */
export async function noteMatches(tx: Tx, { run, sync, now }: StepContext, matches: Match[]): Promise<void> {
  const refused: AttentionRow[] = [];
  const settled: string[] = [];
  for (const match of matches) {
    if (match.kind !== "error") {
      settled.push(match.person.externalId);
      continue;
    }
    const { person } = match;
    refused.push({
      id: randomUUID(),
      userSyncId: sync.id,
      externalId: person.externalId,
      code: match.code,
      reason: match.reason,
      userKey: optional(match.key),
      name: storableText(displayName(person), MAX_NAME),
      email: optional(person.email),
      username: optional(person.username),
      collidesWithExternalId: match.collidesWith?.externalId ?? null,
      collidesWithUserId: match.collidesWith?.userId ?? null,
      firstSeenRunId: run.id,
      firstSeenAt: now,
      lastSeenRunId: run.id,
      lastSeenAt: now,
    });
  }
  if (settled.length > 0) {
    await tx.$executeRaw`
      DELETE FROM "SyncAttention"
      WHERE "userSyncId" = ${sync.id} AND "externalId" IN ${textSet(settled)}`;
  }
  await insertRows(tx, "SyncAttention", ATTENTION_COLUMNS, refused, { onConflict: ON_REFUSED_AGAIN });
}

/**
 * A run that completed its listings: clears the users it learned are gone from Okta. The caller
 * leaves them when the run's removals were rejected.
 */
export async function clearGoneUsers(tx: Tx, run: SyncRun): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM "SyncAttention" u WHERE u."userSyncId" = ${run.userSyncId} AND ${goneFromDirectory(run)}`;
}
