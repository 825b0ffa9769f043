"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { cancelSyncRun, decideSyncRun, requestSyncRun } from "@/inngest/dispatch";
import { orgAction } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { recordId } from "@/lib/input";
import { type ConnectionTest, testOktaConnection } from "@/lib/okta/connection";
import { domainOptionsFromEnv } from "@/lib/okta/domain";
import { QUEUE_TIMEOUT_MS } from "@/lib/sync";
import { userSyncInput } from "@/lib/user-sync/form";
import { createUserSync, credentialsToTest, deleteUserSync, updateUserSync } from "@/lib/user-sync/service";

const SECRET = { secretFields: ["token", "privateKey"] };

export const createUserSyncAction = orgAction(
  "user-sync:manage",
  userSyncInput,
  async (input, member) => {
    const result = await createUserSync(getDb(), member, input);
    if (!result.ok) return result;
    revalidatePath("/user-management/user-sync");
    redirect(`/user-management/user-sync/${result.id}?created=1`);
  },
  SECRET,
);

export const updateUserSyncAction = orgAction(
  "user-sync:manage",
  userSyncInput.extend({ userSyncId: recordId }),
  async ({ userSyncId, ...input }, member) => {
    const result = await updateUserSync(getDb(), member, userSyncId, input);
    if (!result) return { ok: false, message: "This user sync no longer exists." };
    if (!result.ok) return result;
    revalidatePath(`/user-management/user-sync/${userSyncId}`);
    redirect(`/user-management/user-sync/${userSyncId}?saved=1`);
  },
  SECRET,
);

export const deleteUserSyncAction = orgAction(
  "user-sync:manage",
  z.object({ userSyncId: recordId }),
  async ({ userSyncId }, member) => {
    if (!(await deleteUserSync(getDb(), member, userSyncId)))
      return { ok: false, message: "This user sync no longer exists." };
    revalidatePath("/user-management/user-sync");
    redirect("/user-management/user-sync?deleted=1");
  },
);

/**
 * `Test connection`: checks what was typed; on EDIT a blank token or private key means the saved
 * one, for what it is bound to only. A failure is shown on the field to fix.
 */
export const testConnectionAction = orgAction(
  "user-sync:manage",
  userSyncInput
    .pick({ domain: true, authMethod: true, token: true, clientId: true, privateKey: true, dpop: true })
    .extend({ userSyncId: recordId.optional() }),
  async (typed, member) => {
    const credentials = await credentialsToTest(getDb(), member, typed);
    if (!credentials.ok) return credentials;
    const result = await testOktaConnection(
      credentials.domain,
      credentials.credential,
      domainOptionsFromEnv(),
    );
    if (!result.ok) {
      return { ok: false, message: result.message, fieldErrors: { [result.field]: [result.message] } };
    }
    const who = "token" in credentials.credential ? "the token" : "the service app";
    return { ok: true, message: connectionMessage(result, who) };
  },
  SECRET,
);

const PREVIEW_STARTED = {
  ok: true,
  message: "Preview started: Okta is read and nothing is changed. Progress is shown below.",
} as const;

const START_MESSAGES = {
  started: { ok: true, message: "Sync started. Progress is shown below." },
  unconfirmed: {
    ok: true,
    message: `Sync requested, but its background worker has not confirmed it yet. It starts shortly, or is marked failed after ${QUEUE_TIMEOUT_MS / 60_000} minutes.`,
  },
  "already-running": {
    ok: false,
    message: "A sync is already in progress for this connection. Its progress is shown below.",
  },
} as const;

/**
 * `SYNC DATA` (what changed since the last run, or everything when the log cannot tell), `Full
 * resync` (everything) and `Preview` (what SYNC DATA would do, applied nowhere): one run at a time
 * per sync; a second click says a run is already in progress.
 */
export const startSyncAction = orgAction(
  "sync-run:start",
  // `full` and `preview` come from form fields ("true"), as the Full resync and Preview buttons post them.
  z.object({
    userSyncId: recordId,
    full: z.stringbool().default(false),
    preview: z.stringbool().default(false),
  }),
  async ({ userSyncId, full, preview }, member) => {
    const result = await requestSyncRun(getDb(), {
      organizationId: member.organizationId,
      userSyncId,
      trigger: "MANUAL",
      startedById: member.userId,
      forceFull: full,
      preview,
    });
    if (result === "not-found") return { ok: false, message: "This user sync no longer exists." };
    revalidatePath(`/user-management/user-sync/${userSyncId}`);
    if (preview && result === "started") return PREVIEW_STARTED;
    return START_MESSAGES[result];
  },
);

export const cancelRunAction = orgAction(
  "sync-run:start",
  z.object({ syncRunId: recordId }),
  async ({ syncRunId }, member) => {
    const outcome = await cancelSyncRun(getDb(), member, syncRunId);
    if (outcome === "not-active") return { ok: false, message: "This run has already ended." };
    revalidatePath("/user-management/user-sync");
    return {
      ok: true,
      message:
        outcome === "cancelled"
          ? "The run was cancelled."
          : "Cancelling: the run stops within a few seconds.",
    };
  },
);

export const decideRunAction = orgAction(
  "sync-run:decide",
  z.object({ syncRunId: recordId, decision: z.enum(["approve", "reject"]) }),
  async ({ syncRunId, decision }, member) => {
    const decided = await decideSyncRun(getDb(), member, syncRunId, decision);
    if (!decided) return { ok: false, message: "This run is no longer waiting for a decision." };
    revalidatePath("/user-management/user-sync");
    return {
      ok: true,
      message:
        decision === "approve"
          ? "Approved: the removals are being applied."
          : "Rejected: the run finishes without removing anyone.",
    };
  },
);

const FAMILY_NAMES: Record<string, string> = { users: "users", groups: "groups", logs: "System Log" };

/** What Test connection found the token can do, and the rate limit it has left. */
function connectionMessage(result: Extract<ConnectionTest, { ok: true }>, who: string): string {
  const users = result.users.more ? `more than ${result.users.count}` : String(result.users.count);
  const log = result.systemLog.readable
    ? " and the System Log, so SYNC DATA reads only what changed"
    : `, but not the System Log, so SYNC DATA lists every user and group: ${result.systemLog.reason}`;
  const limits = Object.entries(FAMILY_NAMES)
    .flatMap(([family, name]) => {
      const budget = result.rateLimits[family];
      return budget ? [`${name} ${budget.remaining} of ${budget.limit}`] : [];
    })
    .join(", ");
  return `Connected to ${result.origin}: ${who} can read users and groups (${users} users)${log}.${limits ? ` Rate limit left this minute: ${limits}.` : ""}`;
}
