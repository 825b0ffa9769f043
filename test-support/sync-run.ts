import { randomBytes } from "node:crypto";
import type { MemberContext } from "@/lib/auth/member";
import type { Db, DeletionPolicy, EnrollmentType, Role, SyncSchedule, UniqueField } from "@/lib/db";
import { startRunRequest } from "@/lib/sync";
import type { UserSyncInput } from "@/lib/user-sync/form";
import { createUserSync } from "@/lib/user-sync/service";

export interface SyncFixtureOptions {
  /** The Okta org (e.g. a fake Okta's URL, with OKTA_ALLOW_INSECURE_LOCALHOST=1). */
  domain: string;
  token: string;
  /** Connect with this OAuth service app instead of the token. */
  serviceApp?: { clientId: string; privateKey: string; dpop: boolean };
  enrollmentType?: EnrollmentType;
  uniqueField?: UniqueField;
  deletionPolicy?: DeletionPolicy;
  schedule?: SyncSchedule;
  safeguardPercent?: number;
  fullSyncEveryHours?: number;
  alertAfterFailures?: number;
  alertAfterHours?: number;
  name?: string;
}

export interface SyncFixture {
  organizationId: string;
  userSyncId: string;
  /** Members of the organization, by role: the owner created the sync. */
  owner: MemberContext;
  admin: MemberContext;
  member: MemberContext;
  /** Who starts its manual runs in tests: the owner. */
  startedById: string;
}

async function addMember(db: Db, organization: { id: string; name: string }, role: Role, suffix: string) {
  const email = `${role.toLowerCase()}-${suffix}@dashboard.test`;
  const user = await db.user.create({
    data: { email, name: `${role[0]}${role.slice(1).toLowerCase()} ${suffix}` },
  });
  await db.member.create({ data: { organizationId: organization.id, userId: user.id, role } });
  return {
    userId: user.id,
    email,
    name: user.name,
    organizationId: organization.id,
    organizationName: organization.name,
    role,
    memberships: [{ organizationId: organization.id, organizationName: organization.name, role }],
  } satisfies MemberContext;
}

/**
 * An organization (an Owner, an Administrator and a Member) with one Okta sync, created as the
 * form does (`createUserSync`: validated domain, encrypted token). Needs TOKEN_ENCRYPTION_KEYS.
 */
export async function createSyncFixture(db: Db, options: SyncFixtureOptions): Promise<SyncFixture> {
  const organization = await createOrganizationWithMembers(db);
  return { ...organization, userSyncId: await addUserSync(db, organization.owner, options) };
}

/** An organization with an Owner (who starts its manual runs), an Administrator and a Member. */
export async function createOrganizationWithMembers(db: Db): Promise<Omit<SyncFixture, "userSyncId">> {
  const suffix = randomBytes(4).toString("hex");
  const organization = await db.organization.create({
    data: { name: `Org ${suffix}`, slug: `org-${suffix}` },
  });
  const owner = await addMember(db, organization, "OWNER", suffix);
  const admin = await addMember(db, organization, "ADMINISTRATOR", suffix);
  const member = await addMember(db, organization, "MEMBER", suffix);
  return { organizationId: organization.id, owner, admin, member, startedById: owner.userId };
}

/** Another sync in the member's organization, created as the form does. */
export async function addUserSync(
  db: Db,
  owner: MemberContext,
  options: SyncFixtureOptions,
): Promise<string> {
  const input: UserSyncInput = {
    name: options.name ?? "Okta",
    domain: options.domain,
    ...(options.serviceApp
      ? { authMethod: "OAUTH_SERVICE_APP", token: "", ...options.serviceApp }
      : { authMethod: "API_TOKEN", token: options.token, clientId: "", privateKey: "", dpop: false }),
    enrollmentType: options.enrollmentType ?? "ONLY_SYNC",
    uniqueField: options.uniqueField ?? "EMAIL",
    schedule: options.schedule ?? "OFF",
    deletionPolicy: options.deletionPolicy ?? "DELETE",
    safeguardPercent: options.safeguardPercent ?? 20,
    // Stored as given: tests may set intervals the form refuses (over 24 hours).
    fullSyncEveryHours: options.fullSyncEveryHours ?? 24,
    alertAfterFailures: options.alertAfterFailures ?? 3,
    alertAfterHours: options.alertAfterHours ?? 24,
  };
  const created = await createUserSync(db, owner, input);
  if (!created.ok) throw new Error(`createUserSync refused the fixture: ${JSON.stringify(created)}`);
  return created.id;
}

/**
 * A sync with a QUEUED manual run of it, as `SYNC DATA` leaves them before the event is sent.
 * Without options, a sync of an Okta org that is never reached (no token to decrypt): enough for
 * tests of the run's record.
 */
export async function createQueuedSyncRun(db: Db, options?: SyncFixtureOptions) {
  const fixture = options ? await createSyncFixture(db, options) : await createBareSync(db);
  const result = await startRunRequest(db, {
    organizationId: fixture.organizationId,
    userSyncId: fixture.userSyncId,
    trigger: "MANUAL",
    startedById: fixture.startedById,
  });
  if (!result.started) throw new Error("The fixture's run did not start");
  return { organizationId: fixture.organizationId, userSyncId: fixture.userSyncId, syncRunId: result.run.id };
}

async function createBareSync(db: Db) {
  const suffix = randomBytes(4).toString("hex");
  const organization = await db.organization.create({
    data: { name: `Org ${suffix}`, slug: `org-${suffix}` },
  });
  const userSync = await db.userSync.create({
    data: {
      organizationId: organization.id,
      name: "Okta",
      domain: "acme.okta.com",
      credentialCiphertext: "not-a-real-ciphertext",
      credentialHint: "abcd",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
  return { organizationId: organization.id, userSyncId: userSync.id, startedById: null };
}
