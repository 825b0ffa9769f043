import type { MemberContext } from "@/lib/auth/member";
import { encryptSecret, last4 } from "@/lib/crypto/secrets";
import type { Db } from "@/lib/db";
import { parseEntraCertificate } from "@/lib/entra/certificate";
import { testEntraConnection } from "@/lib/entra/connection";
import { testGoogleConnection } from "@/lib/google/connection";
import { parseServiceAccountKey } from "@/lib/google/service-account-key";
import { type CredentialBinding, credentialBinding, type SealedCredential } from "./credential";
import { entraEndpointsFromEnv, googleEndpointsFromEnv } from "./directory";
import type { EntraSyncInput, GoogleSyncInput } from "./form";
import {
  type Connection,
  findUserSync,
  insertUserSync,
  type Refusal,
  type SaveResult,
  savedCredential,
  saveUserSyncEdit,
} from "./service";

/**
 * The Microsoft Entra ID and Google Workspace syncs: their connections as the forms give them,
 * created and edited through the same insert and edit as Okta's, their secret (a client secret or
 * a certificate with its key, a service account key) sealed to what it is used with and kept on
 * EDIT only while that holds.
 */

type EntraForm = Pick<
  EntraSyncInput,
  "tenantId" | "clientId" | "authMethod" | "clientSecret" | "certificate"
>;
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
  authMethod: input.authMethod,
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

const seal = (secret: string, hint: string, binding: CredentialBinding): SealedCredential => ({
  credentialCiphertext: encryptSecret(secret, credentialBinding(binding)),
  credentialHint: hint,
});

const entraSettings = ({
  tenantId: _t,
  clientId: _c,
  authMethod: _a,
  clientSecret: _s,
  certificate: _p,
  ...settings
}: EntraSyncInput) => settings;
const googleSettings = ({
  serviceAccountKey: _k,
  adminEmail: _a,
  customerId: _c,
  ...settings
}: GoogleSyncInput) => settings;

/** The form field of the Entra credential chosen, and what was typed in it. */
const entraField = (input: EntraForm) =>
  input.authMethod === "CERTIFICATE" ? "certificate" : "clientSecret";
const entraTyped = (input: EntraForm) =>
  input.authMethod === "CERTIFICATE" ? input.certificate : input.clientSecret;

const ENTRA_MISSING = {
  clientSecret: "Enter the client secret's Value (Certificates & secrets > Client secrets).",
  certificate: "Paste the certificate and its private key, in one PEM, or choose the .pem file.",
};
const ENTRA_AGAIN = {
  clientSecret:
    "Enter the client secret again: a saved secret is only used with the tenant and client ID it was saved for.",
  certificate:
    "Paste the certificate and its key again: a saved certificate is only used with the tenant and client ID it was saved for.",
};

/**
 * The typed Entra credential sealed for `connection`: a client secret shown by its last 4, a
 * certificate (and its key) by its SHA-1 thumbprint, as the app registration lists it, and its expiry.
 */
function sealedEntra(input: EntraForm, connection: Connection) {
  const secret = entraTyped(input);
  if (!secret) return { ok: false as const, message: ENTRA_MISSING[entraField(input)] };
  if (input.authMethod !== "CERTIFICATE") {
    return {
      ok: true as const,
      sealed: { ...seal(secret, last4(secret), connection), credentialExpiresAt: null },
    };
  }
  const certificate = parseEntraCertificate(secret);
  if (!certificate.ok) return certificate;
  return {
    ok: true as const,
    sealed: {
      ...seal(certificate.pem, certificate.thumbprint, connection),
      credentialExpiresAt: certificate.expiresAt,
    },
  };
}

export async function createEntraSync(
  db: Db,
  member: MemberContext,
  input: EntraSyncInput,
): Promise<SaveResult> {
  const connection = entraConnection(input);
  const credential = sealedEntra(input, connection);
  if (!credential.ok) return refusal({ [entraField(input)]: [credential.message] });
  return insertUserSync(db, member, entraSettings(input), connection, credential.sealed);
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
  const field = entraField(input);
  const keep = !entraTyped(input);
  if (keep && credentialBinding(connection) !== credentialBinding(existing)) {
    return refusal({ [field]: [ENTRA_AGAIN[field]] });
  }
  const credential = keep ? null : sealedEntra(input, connection);
  if (credential && !credential.ok) return refusal({ [field]: [credential.message] });
  const saved = await saveUserSyncEdit(
    db,
    member,
    existing,
    entraSettings(input),
    connection,
    credential?.sealed ?? null,
  );
  return saved === "raced" ? refusal({ [field]: [ENTRA_AGAIN[field]] }) : saved;
}

const GOOGLE_KEY_AGAIN =
  "Paste the key file again: a saved key is only used with the admin and customer it was saved for.";

/** A pasted key file, sealed as pasted (the client parses it) once it parses; shown by its account. */
function sealedKey(text: string, connection: Connection) {
  if (!text) return { ok: false as const, message: "Paste the service account's JSON key file." };
  const key = parseServiceAccountKey(text);
  return key.ok ? { ok: true as const, sealed: seal(text, key.shown.clientEmail, connection) } : key;
}

export async function createGoogleSync(
  db: Db,
  member: MemberContext,
  input: GoogleSyncInput,
): Promise<SaveResult> {
  const connection = googleConnection(input);
  const key = sealedKey(input.serviceAccountKey, connection);
  if (!key.ok) return refusal({ serviceAccountKey: [key.message] });
  return insertUserSync(db, member, googleSettings(input), connection, key.sealed);
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
  const key = input.serviceAccountKey ? sealedKey(input.serviceAccountKey, connection) : null;
  if (key && !key.ok) return refusal({ serviceAccountKey: [key.message] });
  const saved = await saveUserSyncEdit(
    db,
    member,
    existing,
    googleSettings(input),
    connection,
    key?.sealed ?? null,
  );
  return saved === "raced" ? refusal({ serviceAccountKey: [GOOGLE_KEY_AGAIN] }) : saved;
}

/**
 * Test connection for the two directories: what was typed, or on EDIT with the secret left blank,
 * the saved one, for what it is bound to only (nothing is sent otherwise).
 */
export async function testDirectoryConnection(
  db: Db,
  member: MemberContext,
  typed: ({ provider: "ENTRA_ID" } & EntraForm) | ({ provider: "GOOGLE_WORKSPACE" } & GoogleForm),
  userSyncId?: string,
): Promise<{ ok: boolean; message: string; fieldErrors?: Refusal["fieldErrors"] }> {
  const connection = typed.provider === "ENTRA_ID" ? entraConnection(typed) : googleConnection(typed);
  const field = typed.provider === "ENTRA_ID" ? entraField(typed) : "serviceAccountKey";
  let secret = typed.provider === "ENTRA_ID" ? entraTyped(typed) : typed.serviceAccountKey;
  if (!secret) {
    const saved = userSyncId ? await savedCredential(db, member, userSyncId) : null;
    const [again, missing] =
      typed.provider === "ENTRA_ID"
        ? [ENTRA_AGAIN[entraField(typed)], ENTRA_MISSING[entraField(typed)]]
        : [GOOGLE_KEY_AGAIN, "Paste the service account's JSON key file."];
    if (!saved) return refusal({ [field]: [missing] });
    if (credentialBinding(saved.binding) !== credentialBinding(connection))
      return refusal({ [field]: [again] });
    const { credential } = saved;
    secret =
      credential.provider === "ENTRA_ID"
        ? "certificate" in credential.entra
          ? credential.entra.certificate
          : credential.entra.clientSecret
        : credential.provider === "GOOGLE_WORKSPACE"
          ? credential.google.serviceAccountKey
          : "";
  }
  if (typed.provider === "ENTRA_ID") {
    const app = { tenantId: typed.tenantId, clientId: typed.clientId };
    const result = await testEntraConnection(
      typed.authMethod === "CERTIFICATE" ? { ...app, certificate: secret } : { ...app, clientSecret: secret },
      entraEndpointsFromEnv(),
    );
    if (!result.ok)
      return failed(result.message, result.problems ?? [{ field: result.field, message: result.message }]);
    const users = result.users.more ? `more than ${result.users.count}` : String(result.users.count);
    return {
      ok: true,
      message: `Connected to tenant ${result.tenant}: the app can read users (${users}), groups and their members.`,
    };
  }
  const result = await testGoogleConnection(
    { ...typed, serviceAccountKey: secret },
    googleEndpointsFromEnv(),
  );
  if (!result.ok)
    return failed(result.message, result.field ? [{ field: result.field, message: result.message }] : []);
  const users = result.users.more ? `more than ${result.users.count}` : String(result.users.count);
  return {
    ok: true,
    message: `Connected as ${result.serviceAccount.clientEmail} for ${typed.adminEmail}: it can read users (${users}), groups and their members.`,
  };
}

/** A failed test: its message, and on each field to fix. */
function failed(message: string, problems: { field: string; message: string }[]) {
  const fieldErrors: Refusal["fieldErrors"] = {};
  for (const { field, message: text } of problems) fieldErrors[field] = [...(fieldErrors[field] ?? []), text];
  return { ok: false, message, fieldErrors };
}
