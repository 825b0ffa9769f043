import { recordAudit } from "@/lib/audit";
import type { MemberContext } from "@/lib/auth/member";
import { decryptSecret, encryptSecret, last4 } from "@/lib/crypto/secrets";
import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/db";
import { isRecordId } from "@/lib/input";
import { domainOptionsFromEnv, validateOktaDomain } from "@/lib/okta/domain";
import type { UserSyncInput } from "./form";

export type SaveResult =
  | { ok: true; id: string }
  | { ok: false; fieldErrors: Partial<Record<keyof UserSyncInput, string[]>>; message: string };

/** Everything about a sync that may reach the browser: never the token, only its last 4 characters. */
export const publicUserSyncFields = {
  id: true,
  organizationId: true,
  provider: true,
  name: true,
  domain: true,
  tokenLast4: true,
  enrollmentType: true,
  uniqueField: true,
  schedule: true,
  deletionPolicy: true,
  safeguardPercent: true,
  fullSyncEveryHours: true,
  activeRunId: true,
  lastFullSyncAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.UserSyncSelect;

const fieldError = (field: keyof UserSyncInput, message: string): SaveResult => ({
  ok: false,
  fieldErrors: { [field]: [message] },
  message: "Check the highlighted fields.",
});

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

/** Validates the domain (syntax, then DNS for custom domains) and returns its normalised origin. */
async function checkDomain(domain: string): Promise<{ origin: string } | { error: string }> {
  const checked = await validateOktaDomain(domain, domainOptionsFromEnv());
  return checked.ok ? { origin: checked.origin } : { error: checked.message };
}

export async function createUserSync(
  db: Db,
  member: MemberContext,
  input: UserSyncInput,
): Promise<SaveResult> {
  const domain = await checkDomain(input.domain);
  if ("error" in domain || !input.token) {
    // Every problem at once, not one per submit.
    return {
      ok: false,
      message: "Check the highlighted fields.",
      fieldErrors: {
        ...("error" in domain ? { domain: [domain.error] } : {}),
        ...(input.token ? {} : { token: ["Enter the API Token created in Okta (Security > API > Tokens)."] }),
      },
    };
  }
  const { token, domain: _typed, ...settings } = input;
  try {
    const sync = await db.$transaction(async (tx) => {
      const created = await tx.userSync.create({
        data: {
          ...settings,
          organizationId: member.organizationId,
          provider: "OKTA",
          domain: domain.origin,
          tokenCiphertext: encryptSecret(token),
          tokenLast4: last4(token),
          createdById: member.userId,
        },
      });
      await recordAudit(tx, {
        organizationId: member.organizationId,
        actorId: member.userId,
        action: "user-sync.created",
        targetType: "UserSync",
        targetId: created.id,
        details: { name: created.name, domain: created.domain },
      });
      return created;
    });
    return { ok: true, id: sync.id };
  } catch (error) {
    if (isUniqueViolation(error)) return fieldError("name", "A user sync with this name already exists.");
    throw error;
  }
}

/** Saves an edit; a blank token keeps the saved one. */
export async function updateUserSync(
  db: Db,
  member: MemberContext,
  userSyncId: string,
  input: UserSyncInput,
): Promise<SaveResult | null> {
  const existing = await db.userSync.findFirst({
    where: { id: userSyncId, organizationId: member.organizationId },
  });
  if (!existing) return null;
  const domain = await checkDomain(input.domain);
  if ("error" in domain) return fieldError("domain", domain.error);
  const { token, domain: _typed, ...settings } = input;
  const changed = Object.entries({ ...settings, domain: domain.origin })
    .filter(([key, value]) => existing[key as keyof typeof existing] !== value)
    .map(([key]) => key);
  if (token) changed.push("token");
  try {
    await db.$transaction(async (tx) => {
      await tx.userSync.update({
        where: { id: existing.id },
        data: {
          ...settings,
          domain: domain.origin,
          ...(token ? { tokenCiphertext: encryptSecret(token), tokenLast4: last4(token) } : {}),
        },
      });
      await recordAudit(tx, {
        organizationId: member.organizationId,
        actorId: member.userId,
        action: "user-sync.updated",
        targetType: "UserSync",
        targetId: existing.id,
        details: { name: input.name, changed },
      });
    });
    return { ok: true, id: existing.id };
  } catch (error) {
    if (isUniqueViolation(error)) return fieldError("name", "A user sync with this name already exists.");
    throw error;
  }
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

/** Every sync of the organization with its latest run, for the User Sync page. */
export async function listUserSyncs(db: Db, organizationId: string) {
  return db.userSync.findMany({
    where: { organizationId },
    orderBy: { createdAt: "asc" },
    select: {
      ...publicUserSyncFields,
      runs: { orderBy: { queuedAt: "desc" }, take: 1 },
      _count: { select: { directoryUsers: true, userGroups: true } },
    },
  });
}

/** The decrypted API token, for the sync itself only: never returned to a page or an action. */
export async function userSyncCredentials(
  db: Db,
  userSyncId: string,
): Promise<{ domain: string; token: string }> {
  const sync = await db.userSync.findUniqueOrThrow({
    where: { id: userSyncId },
    select: { domain: true, tokenCiphertext: true },
  });
  return { domain: sync.domain, token: decryptSecret(sync.tokenCiphertext) };
}
