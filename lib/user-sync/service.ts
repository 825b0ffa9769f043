import { recordAudit } from "@/lib/audit";
import type { MemberContext } from "@/lib/auth/member";
import { decryptSecret, encryptSecret, last4 } from "@/lib/crypto/secrets";
import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/db";
import { isRecordId } from "@/lib/input";
import { domainOptionsFromEnv, parseOktaDomain, validateOktaDomain } from "@/lib/okta/domain";
import type { UserSyncInput } from "./form";

/** A form refused: why, on the fields concerned. */
export type Refusal = {
  ok: false;
  fieldErrors: Partial<Record<keyof UserSyncInput, string[]>>;
  message: string;
};
export type SaveResult = { ok: true; id: string } | Refusal;

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
  alertAfterFailures: true,
  alertAfterHours: true,
  activeRunId: true,
  lastFullSyncAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.UserSyncSelect;

const fieldError = (field: keyof UserSyncInput, message: string): Refusal => ({
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
          tokenCiphertext: encryptSecret(token, domain.origin),
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

/** The saved token is bound to its origin: a new domain needs the token typed again. */
const retypeToken = (savedFor: string) =>
  fieldError(
    "token",
    `Enter the API Token again: the saved token is only used with the domain it was saved for (${savedFor}).`,
  );

/** Saves an edit; a blank token keeps the saved one, for the same domain only. */
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
  const moved = domain.origin !== existing.domain;
  if (moved && !token) return retypeToken(existing.domain);
  const changed = Object.entries({ ...settings, domain: domain.origin })
    .filter(([key, value]) => existing[key as keyof typeof existing] !== value)
    .map(([key]) => key);
  if (token) changed.push("token");
  // Another org, or users keyed otherwise: what earlier runs listed and read from the System Log no
  // longer describes the store, so the next run lists everything (startStep).
  const relist = moved || changed.includes("uniqueField");
  try {
    const saved = await db.$transaction(async (tx) => {
      // Keeping the saved token: only while the row still has the domain it is bound to (an edit
      // that moved the domain meanwhile wins).
      const { count } = await tx.userSync.updateMany({
        where: { id: existing.id, ...(token ? {} : { domain: existing.domain }) },
        data: {
          ...settings,
          domain: domain.origin,
          ...(relist && { lastFullSyncAt: null }),
          ...(token
            ? { tokenCiphertext: encryptSecret(token, domain.origin), tokenLast4: last4(token) }
            : {}),
        },
      });
      if (count === 0) return false;
      await recordAudit(tx, {
        organizationId: member.organizationId,
        actorId: member.userId,
        action: "user-sync.updated",
        targetType: "UserSync",
        targetId: existing.id,
        details: {
          name: input.name,
          changed,
          ...(moved ? { domain: { from: existing.domain, to: domain.origin } } : {}),
        },
      });
      return true;
    });
    if (!saved) {
      return fieldError(
        "token",
        "The Domain Name was changed meanwhile: reload the page, or enter the API Token again.",
      );
    }
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

const decrypted = (sync: { domain: string; tokenCiphertext: string }) => ({
  domain: sync.domain,
  token: decryptSecret(sync.tokenCiphertext, sync.domain),
});

/** The decrypted API token, for the sync itself only: never returned to a page or an action. */
export async function userSyncCredentials(
  db: Db,
  userSyncId: string,
): Promise<{ domain: string; token: string }> {
  return decrypted(
    await db.userSync.findUniqueOrThrow({
      where: { id: userSyncId },
      select: { domain: true, tokenCiphertext: true },
    }),
  );
}

/**
 * What `Test connection` connects to: the domain and token typed, or on EDIT with the token left
 * blank, the saved token with the domain it was saved for, and only if that is the domain typed.
 */
export async function credentialsToTest(
  db: Db,
  member: MemberContext,
  typed: { domain: string; token: string; userSyncId?: string },
): Promise<{ ok: true; domain: string; token: string } | Refusal> {
  if (typed.token || !typed.userSyncId) return { ok: true, domain: typed.domain, token: typed.token };
  const saved = await db.userSync.findFirst({
    where: { id: typed.userSyncId, organizationId: member.organizationId },
    select: { domain: true, tokenCiphertext: true },
  });
  const parsed = parseOktaDomain(typed.domain, domainOptionsFromEnv());
  // Not this organization's sync, or a domain that does not parse: the test reports the missing token or the domain.
  if (!saved || !parsed.ok) return { ok: true, domain: typed.domain, token: "" };
  if (parsed.origin !== saved.domain) return retypeToken(saved.domain);
  return { ok: true, ...decrypted(saved) };
}
