"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { orgAction } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { recordId } from "@/lib/input";
import {
  createEntraSync,
  createGoogleSync,
  testDirectoryConnection,
  updateEntraSync,
  updateGoogleSync,
} from "@/lib/user-sync/directories";
import { entraSyncInput, googleSyncInput } from "@/lib/user-sync/form";
import type { SaveResult } from "@/lib/user-sync/service";

// Microsoft Entra ID and Google Workspace: CREATE, SAVE and Test connection, as Okta's actions
// (actions.ts) do them; the secret fields are never echoed back.
const ENTRA_SECRET = { secretFields: ["clientSecret", "certificate"] };
const GOOGLE_SECRET = { secretFields: ["serviceAccountKey"] };

/** Where a save goes: the sync's page, or the form's answer when it was refused. */
function saved(result: SaveResult | null, created: boolean) {
  if (!result) return { ok: false, message: "This user sync no longer exists." };
  if (!result.ok) return result;
  revalidatePath("/user-management/user-sync");
  redirect(`/user-management/user-sync/${result.id}?${created ? "created" : "saved"}=1`);
}

export const createEntraSyncAction = orgAction(
  "user-sync:manage",
  entraSyncInput,
  async (input, member) => saved(await createEntraSync(getDb(), member, input), true),
  ENTRA_SECRET,
);

export const updateEntraSyncAction = orgAction(
  "user-sync:manage",
  entraSyncInput.extend({ userSyncId: recordId }),
  async ({ userSyncId, ...input }, member) =>
    saved(await updateEntraSync(getDb(), member, userSyncId, input), false),
  ENTRA_SECRET,
);

export const testEntraConnectionAction = orgAction(
  "user-sync:manage",
  entraSyncInput
    .pick({ tenantId: true, clientId: true, authMethod: true, clientSecret: true, certificate: true })
    .extend({ userSyncId: recordId.optional() }),
  async ({ userSyncId, ...typed }, member) =>
    testDirectoryConnection(getDb(), member, { provider: "ENTRA_ID", ...typed }, userSyncId),
  ENTRA_SECRET,
);

export const createGoogleSyncAction = orgAction(
  "user-sync:manage",
  googleSyncInput,
  async (input, member) => saved(await createGoogleSync(getDb(), member, input), true),
  GOOGLE_SECRET,
);

export const updateGoogleSyncAction = orgAction(
  "user-sync:manage",
  googleSyncInput.extend({ userSyncId: recordId }),
  async ({ userSyncId, ...input }, member) =>
    saved(await updateGoogleSync(getDb(), member, userSyncId, input), false),
  GOOGLE_SECRET,
);

export const testGoogleConnectionAction = orgAction(
  "user-sync:manage",
  googleSyncInput
    .pick({ serviceAccountKey: true, adminEmail: true, customerId: true })
    .extend({ userSyncId: recordId.optional() }),
  async ({ userSyncId, ...typed }, member) =>
    testDirectoryConnection(getDb(), member, { provider: "GOOGLE_WORKSPACE", ...typed }, userSyncId),
  GOOGLE_SECRET,
);
