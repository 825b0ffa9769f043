import { createPrivateKey } from "node:crypto";
import type { MemberContext } from "@/lib/auth/member";
import { encryptSecret, last4 } from "@/lib/crypto/secrets";
import type { Db } from "@/lib/db";
import { type CredentialBinding, credentialBinding } from "./credential";
import type { EntraSyncInput, GoogleSyncInput } from "./form";
import {
  type Connection,
  findUserSync,
  insertUserSync,
  type Refusal,
  type SaveResult,
  saveUserSyncEdit,
} from "./service";

/**
 * The Microsoft Entra ID and Google Workspace syncs: their connections as the forms give them,
 * created and edited through the same insert and edit as Okta's, their secret (a client secret, a
 * service account key) sealed to what it is used with and kept on EDIT only while that holds.
 */

type EntraForm = Pick<EntraSyncInput, "tenantId" | "clientId" | "clientSecret">;
type GoogleForm = Pick<GoogleSyncInput, "serviceAccountKey" | "adminEmail" | "customerId">;

const refusal = (fieldErrors: Refusal["fieldErrors"]): Refusal => ({
  ok: false,
  fieldErrors,
  message: "Check the highlighted fields.",
});

export const entraConnection = (input: EntraForm): Connection => ({
  provider: "ENTRA_ID",
  // Entra compares tenants' domains case-insensitively; a GUID is one tenant whatever its case.
  domain: input.tenantId.toLowerCase(),
  authMethod: "API_TOKEN",
  clientId: input.clientId.toLowerCase(),
  adminEmail: null,
  customerId: null,
  dpop: false,
});

export const googleConnection = (input: GoogleForm): Connection => ({
  provider: "GOOGLE_WORKSPACE",
  // The Workspace's primary domain, as its admin's address says.
  domain: input.adminEmail.split("@").pop()?.toLowerCase() ?? "",
  authMethod: "API_TOKEN",
  clientId: null,
  adminEmail: input.adminEmail.toLowerCase(),
  customerId: input.customerId,
  dpop: false,
});

const seal = (secret: string, hint: string, binding: CredentialBinding) => ({
  credentialCiphertext: encryptSecret(secret, credentialBinding(binding)),
  credentialHint: hint,
});

const entraSettings = ({ tenantId: _t, clientId: _c, clientSecret: _s, ...settings }: EntraSyncInput) =>
  settings;
const googleSettings = ({
  serviceAccountKey: _k,
  adminEmail: _a,
  customerId: _c,
  ...settings
}: GoogleSyncInput) => settings;

export const ENTRA_SECRET_MISSING =
  "Enter the client secret's Value (Certificates & secrets > Client secrets).";
const ENTRA_SECRET_AGAIN =
  "Enter the client secret again: a saved secret is only used with the tenant and client ID it was saved for.";

export async function createEntraSync(
  db: Db,
  member: MemberContext,
  input: EntraSyncInput,
): Promise<SaveResult> {
  if (!input.clientSecret) return refusal({ clientSecret: [ENTRA_SECRET_MISSING] });
  const connection = entraConnection(input);
  return insertUserSync(
    db,
    member,
    entraSettings(input),
    connection,
    seal(input.clientSecret, last4(input.clientSecret), connection),
  );
}

export async function updateEntraSync(
  db: Db,
  member: MemberContext,
  userSyncId: string,
  input: EntraSyncInput,
): Promise<SaveResult | null> {
  const existing = await findUserSync(db, member, userSyncId);
  if (existing?.provider !== "ENTRA_ID") return null;
  const connection = entraConnection(input);
  if (!input.clientSecret && credentialBinding(connection) !== credentialBinding(existing)) {
    return refusal({ clientSecret: [ENTRA_SECRET_AGAIN] });
  }
  const sealed = input.clientSecret ? seal(input.clientSecret, last4(input.clientSecret), connection) : null;
  const saved = await saveUserSyncEdit(db, member, existing, entraSettings(input), connection, sealed);
  return saved === "raced" ? refusal({ clientSecret: [ENTRA_SECRET_AGAIN] }) : saved;
}

const GOOGLE_KEY_AGAIN =
  "Paste the key file again: a saved key is only used with the admin and customer it was saved for.";

export async function createGoogleSync(
  db: Db,
  member: MemberContext,
  input: GoogleSyncInput,
): Promise<SaveResult> {
  const key = await parseServiceAccountKey(input.serviceAccountKey);
  if (!key.ok) return refusal({ serviceAccountKey: [key.message] });
  const connection = googleConnection(input);
  return insertUserSync(db, member, googleSettings(input), connection, seal(key.json, key.hint, connection));
}

export async function updateGoogleSync(
  db: Db,
  member: MemberContext,
  userSyncId: string,
  input: GoogleSyncInput,
): Promise<SaveResult | null> {
  const existing = await findUserSync(db, member, userSyncId);
  if (existing?.provider !== "GOOGLE_WORKSPACE") return null;
  const connection = googleConnection(input);
  if (!input.serviceAccountKey && credentialBinding(connection) !== credentialBinding(existing)) {
    return refusal({ serviceAccountKey: [GOOGLE_KEY_AGAIN] });
  }
  const key = input.serviceAccountKey ? await parseServiceAccountKey(input.serviceAccountKey) : null;
  if (key && !key.ok) return refusal({ serviceAccountKey: [key.message] });
  const sealed = key?.ok ? seal(key.json, key.hint, connection) : null;
  const saved = await saveUserSyncEdit(db, member, existing, googleSettings(input), connection, sealed);
  return saved === "raced" ? refusal({ serviceAccountKey: [GOOGLE_KEY_AGAIN] }) : saved;
}

/** A Google service account key file as pasted: what is stored (the file, normalised) and what may be shown. */
async function parseServiceAccountKey(
  text: string,
): Promise<{ ok: true; json: string; hint: string } | { ok: false; message: string }> {
  if (!text.trim()) return { ok: false, message: "Paste the service account's JSON key file." };
  let key: { type?: unknown; client_email?: unknown; private_key?: unknown; private_key_id?: unknown };
  try {
    key = JSON.parse(text);
  } catch {
    return { ok: false, message: "This is not a JSON key file: create a JSON key for the service account." };
  }
  if (
    key?.type !== "service_account" ||
    typeof key.client_email !== "string" ||
    typeof key.private_key !== "string"
  ) {
    return {
      ok: false,
      message: "This is not a service account key file (its type must be service_account).",
    };
  }
  try {
    createPrivateKey(key.private_key);
  } catch {
    return { ok: false, message: "The key file's private_key is not a valid private key." };
  }
  return { ok: true, json: JSON.stringify(key), hint: key.client_email };
}

/**
 * Test connection for the two directories: what was typed, or on EDIT with the secret left blank,
 * the saved one for what it is bound to only.
 */
export async function testDirectoryConnection(
  _db: Db,
  _member: MemberContext,
  _typed: { provider: "ENTRA_ID" | "GOOGLE_WORKSPACE"; userSyncId?: string } & Partial<
    EntraForm & GoogleForm
  >,
): Promise<{ ok: boolean; message: string; fieldErrors?: Refusal["fieldErrors"] }> {
  return { ok: false, message: "Test connection is being wired to the directory's client." };
}
