import type { z } from "zod";
import { recordAudit } from "@/lib/audit";
import type { MemberContext } from "@/lib/auth/member";
import type { Db } from "@/lib/db";
import { Prisma, type UserSync } from "@/lib/db";
import { isRecordId } from "@/lib/input";
import type { OktaCredential } from "@/lib/okta/credentials";
import { domainOptionsFromEnv, parseOktaDomain, validateOktaDomain } from "@/lib/okta/domain";
import {
  type CredentialBinding,
  type CredentialProblem,
  credentialBinding,
  type DirectoryCredential,
  missingSecret,
  openCredential,
  openDirectoryCredential,
  type SealedCredential,
  sealCredential,
  typedCredential,
  typedSecret,
} from "./credential";
import type { syncSettingsInput, UserSyncInput } from "./form";

/** A form refused: why, on the fields concerned. */
export type Refusal = {
  ok: false;
  /** By form field: any directory's form. */
  fieldErrors: Record<string, string[]>;
  message: string;
};
export type SaveResult = { ok: true; id: string } | Refusal;

/** Everything about a sync that may reach the browser: never the credential, only its hint. */
export const publicUserSyncFields = {
  id: true,
  organizationId: true,
  provider: true,
  name: true,
  domain: true,
  authMethod: true,
  clientId: true,
  dpop: true,
  adminEmail: true,
  customerId: true,
  credentialHint: true,
  credentialExpiresAt: true,
  enrollmentType: true,
  uniqueField: true,
  schedule: true,
  deletionPolicy: true,
  safeguardPercent: true,
  fullSyncEveryHours: true,
  alertAfterFailures: true,
  alertAfterHours: true,
  activeRunId: true,
  lastFullSyncAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.UserSyncSelect;

const refusal = (fieldErrors: Refusal["fieldErrors"]): Refusal => ({
  ok: false,
  fieldErrors,
  message: "Check the highlighted fields.",
});

const fieldError = (field: keyof UserSyncInput, message: string) => refusal({ [field]: [message] });

const credentialError = ({ field, message }: CredentialProblem) => fieldError(field, message);

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

/** Validates the domain (syntax, then DNS for custom domains) and returns its normalised origin. */
async function checkDomain(domain: string): Promise<{ origin: string } | { error: string }> {
  const checked = await validateOktaDomain(domain, domainOptionsFromEnv());
  return checked.ok ? { origin: checked.origin } : { error: checked.message };
}

/** The settings every sync has, as the forms give them. */
export type SyncSettings = z.infer<typeof syncSettingsInput>;

/** How a sync connects to its directory, as its row holds it (its sealed secret apart). */
export type Connection = Required<CredentialBinding> & { dpop: boolean };

/** Creates a sync of any directory with its connection and sealed credential, and audits it. */
export async function insertUserSync(
  db: Db,
  member: MemberContext,
  settings: SyncSettings,
  connection: Connection,
  sealed: SealedCredential,
): Promise<SaveResult> {
  try {
    const sync = await db.$transaction(async (tx) => {
      const created = await tx.userSync.create({
        data: {
          ...settings,
          ...connection,
          ...sealed,
          organizationId: member.organizationId,
          createdById: member.userId,
        },
      });
      await recordAudit(tx, {
        organizationId: member.organizationId,
        actorId: member.userId,
        action: "user-sync.created",
        targetType: "UserSync",
        targetId: created.id,
        details: {
          name: created.name,
          provider: created.provider,
          domain: created.domain,
          ...(created.provider === "OKTA" && { authMethod: created.authMethod }),
        },
      });
      return created;
    });
    return { ok: true, id: sync.id };
  } catch (error) {
    if (isUniqueViolation(error)) return fieldError("name", "A user sync with this name already exists.");
    throw error;
  }
}

/**
 * Saves an edit of a sync of any directory. `sealed` null keeps the saved credential: only while
 * the row is still bound as `existing` was (an edit that moved it meanwhile wins: "raced"). A
 * new directory address or Unique field makes the next run list everything.
 */
export async function saveUserSyncEdit(
  db: Db,
  member: MemberContext,
  existing: UserSync,
  settings: SyncSettings,
  connection: Connection,
  sealed: SealedCredential | null,
): Promise<SaveResult | "raced"> {
  const moved = connection.domain !== existing.domain;
  const changed = Object.entries({ ...settings, ...connection })
    .filter(([key, value]) => existing[key as keyof typeof existing] !== value)
    .map(([key]) => key);
  if (sealed) changed.push("credential");
  // Another org, or users keyed otherwise: what earlier runs listed and read from the System Log no
  // longer describes the store, so the next run lists everything (startStep).
  const relist = moved || changed.includes("uniqueField");
  const bound = {
    provider: existing.provider,
    domain: existing.domain,
    authMethod: existing.authMethod,
    clientId: existing.clientId,
    adminEmail: existing.adminEmail,
    customerId: existing.customerId,
  };
  try {
    const saved = await db.$transaction(async (tx) => {
      const { count } = await tx.userSync.updateMany({
        where: { id: existing.id, ...(sealed ? {} : bound) },
        data: { ...settings, ...connection, ...(relist && { lastFullSyncAt: null }), ...sealed },
      });
      if (count === 0) return false;
      await recordAudit(tx, {
        organizationId: member.organizationId,
        actorId: member.userId,
        action: "user-sync.updated",
        targetType: "UserSync",
        targetId: existing.id,
        details: {
          name: settings.name,
          changed,
          ...(moved ? { domain: { from: existing.domain, to: connection.domain } } : {}),
        },
      });
      return true;
    });
    return saved ? { ok: true, id: existing.id } : "raced";
  } catch (error) {
    if (isUniqueViolation(error)) return fieldError("name", "A user sync with this name already exists.");
    throw error;
  }
}

/** The sync of the member's organization, whole (credential included: for the server's edits only). */
export const findUserSync = (db: Db, member: MemberContext, userSyncId: string) =>
  isRecordId(userSyncId)
    ? db.userSync.findFirst({ where: { id: userSyncId, organizationId: member.organizationId } })
    : Promise.resolve(null);

/** An Okta Workspace connection, as the form gives it. */
const oktaConnection = (input: UserSyncInput, origin: string): Connection => ({
  provider: "OKTA",
  domain: origin,
  authMethod: input.authMethod,
  // A client ID belongs to a service app only.
  clientId: input.authMethod === "OAUTH_SERVICE_APP" ? input.clientId : null,
  adminEmail: null,
  customerId: null,
  dpop: input.dpop,
});

const oktaSettings = ({
  token: _t,
  privateKey: _k,
  domain: _d,
  authMethod: _a,
  clientId: _c,
  dpop: _p,
  ...settings
}: UserSyncInput) => settings;

export async function createUserSync(
  db: Db,
  member: MemberContext,
  input: UserSyncInput,
): Promise<SaveResult> {
  const [domain, typed] = await Promise.all([checkDomain(input.domain), typedCredential(input)]);
  if ("error" in domain || !typed.ok) {
    // Every problem at once, not one per submit.
    return refusal({
      ...("error" in domain ? { domain: [domain.error] } : {}),
      ...(typed.ok ? {} : typed.fieldErrors),
    });
  }
  const connection = oktaConnection(input, domain.origin);
  return insertUserSync(
    db,
    member,
    oktaSettings(input),
    connection,
    sealCredential(typed.credential, typed.hint, connection),
  );
}

/**
 * Saves an edit. A blank token or private key keeps the saved one, only while what it is bound to
 * (the domain, the method and the client ID) is unchanged.
 */
export async function updateUserSync(
  db: Db,
  member: MemberContext,
  userSyncId: string,
  input: UserSyncInput,
): Promise<SaveResult | null> {
  const existing = await findUserSync(db, member, userSyncId);
  if (!existing) return null;
  const domain = await checkDomain(input.domain);
  if ("error" in domain) return fieldError("domain", domain.error);
  const connection = oktaConnection(input, domain.origin);
  const keep = !typedSecret(input);
  if (keep && credentialBinding(connection) !== credentialBinding(existing)) {
    return credentialError(missingSecret(input, existing));
  }
  const typed = keep ? null : await typedCredential(input);
  if (typed && !typed.ok) return refusal(typed.fieldErrors);
  const sealed = typed ? sealCredential(typed.credential, typed.hint, connection) : null;
  const saved = await saveUserSyncEdit(db, member, existing, oktaSettings(input), connection, sealed);
  if (saved !== "raced") return saved;
  return credentialError({
    ...missingSecret(input),
    message: "The connection was changed meanwhile: reload the page, or enter its secret again.",
  });
}

/**
 * Deletes a sync and its history. The users and groups it imported stay (as records without a
 * source): deleting a connection must not silently delete people.
 */
export async function deleteUserSync(db: Db, member: MemberContext, userSyncId: string): Promise<boolean> {
  if (!isRecordId(userSyncId)) return false;
  return db.$transaction(async (tx) => {
    const sync = await tx.userSync.findFirst({
      where: { id: userSyncId, organizationId: member.organizationId },
      select: { name: true },
    });
    const { count } = await tx.userSync.deleteMany({
      where: { id: userSyncId, organizationId: member.organizationId },
    });
    if (!sync || count === 0) return false;
    // The log keeps the name: the sync itself is gone.
    await recordAudit(tx, {
      organizationId: member.organizationId,
      actorId: member.userId,
      action: "user-sync.deleted",
      targetType: "UserSync",
      targetId: userSyncId,
      details: { name: sync.name },
    });
    return true;
  });
}

export async function getUserSync(db: Db, organizationId: string, userSyncId: string) {
  if (!isRecordId(userSyncId)) return null;
  return db.userSync.findFirst({ where: { id: userSyncId, organizationId }, select: publicUserSyncFields });
}

export type PublicUserSync = NonNullable<Awaited<ReturnType<typeof getUserSync>>>;

/**
 * Every sync of the organization with its latest run, for the User Sync page: the latest that
 * synced, since a preview's counts are what a sync would have done.
 */
export async function listUserSyncs(db: Db, organizationId: string) {
  return db.userSync.findMany({
    where: { organizationId },
    orderBy: { createdAt: "asc" },
    select: {
      ...publicUserSyncFields,
      runs: { where: { preview: false }, orderBy: { queuedAt: "desc" }, take: 1 },
      _count: { select: { directoryUsers: true, userGroups: true } },
    },
  });
}

const CREDENTIAL_COLUMNS = {
  provider: true,
  domain: true,
  authMethod: true,
  clientId: true,
  adminEmail: true,
  customerId: true,
  dpop: true,
  credentialCiphertext: true,
} satisfies Prisma.UserSyncSelect;

/** The decrypted credential, for the sync itself only: never returned to a page or an action. */
export async function userSyncCredentials(db: Db, userSyncId: string): Promise<DirectoryCredential> {
  const sync = await db.userSync.findUniqueOrThrow({ where: { id: userSyncId }, select: CREDENTIAL_COLUMNS });
  return openDirectoryCredential(sync);
}

/** The saved sync of the member's organization, its credential decrypted: for Test connection on EDIT. */
export async function savedCredential(db: Db, member: MemberContext, userSyncId: string) {
  const sync = await db.userSync.findFirst({
    where: { id: userSyncId, organizationId: member.organizationId },
    select: CREDENTIAL_COLUMNS,
  });
  return sync && { binding: sync, credential: openDirectoryCredential(sync) };
}

export type ConnectionToTest = Pick<
  UserSyncInput,
  "domain" | "authMethod" | "token" | "clientId" | "privateKey" | "dpop"
> & { userSyncId?: string };

/**
 * What `Test connection` connects to: what was typed, or on EDIT with the secret left blank, the
 * saved one, only for what it is bound to (the same domain, method and client ID), with the DPoP
 * setting typed.
 */
export async function credentialsToTest(
  db: Db,
  member: MemberContext,
  typed: ConnectionToTest,
): Promise<{ ok: true; domain: string; credential: OktaCredential } | Refusal> {
  const saved =
    typed.userSyncId && !typedSecret(typed)
      ? await db.userSync.findFirst({
          where: { id: typed.userSyncId, organizationId: member.organizationId },
          select: CREDENTIAL_COLUMNS,
        })
      : null;
  if (saved) {
    const parsed = parseOktaDomain(typed.domain, domainOptionsFromEnv());
    const binding: CredentialBinding = {
      domain: parsed.ok ? parsed.origin : typed.domain,
      authMethod: typed.authMethod,
      clientId: typed.authMethod === "OAUTH_SERVICE_APP" ? typed.clientId : null,
    };
    if (credentialBinding(binding) !== credentialBinding(saved)) {
      return credentialError(missingSecret(typed, saved));
    }
    return { ok: true, domain: typed.domain, credential: openCredential({ ...saved, dpop: typed.dpop }) };
  }
  const credential = await typedCredential(typed);
  if (!credential.ok) return refusal(credential.fieldErrors);
  return { ok: true, domain: typed.domain, credential: credential.credential };
}
