// Rows the email and enrollment tests (unit and e2e) build on: an organization with members,
// a user sync, its runs and directory users. Every field a test does not name gets a plain default.
import { randomBytes } from "node:crypto";
import type { Db, Prisma, Role } from "@/lib/db";

const unique = () => randomBytes(4).toString("hex");

export async function createOrganization(
  db: Db,
  { name = `Org ${unique()}`, members = [] as { email: string; name?: string; role: Role }[] } = {},
) {
  const organization = await db.organization.create({
    data: { name, slug: `${name.toLowerCase().replace(/\W+/g, "-")}-${unique()}` },
  });
  const users = [];
  for (const member of members) {
    const user = await db.user.upsert({
      where: { email: member.email },
      update: {},
      create: { email: member.email, name: member.name ?? null },
    });
    await db.member.create({ data: { organizationId: organization.id, userId: user.id, role: member.role } });
    users.push(user);
  }
  return { organization, users };
}

export function createUserSync(
  db: Db,
  data: Partial<Prisma.UserSyncUncheckedCreateInput> & { organizationId: string },
) {
  return db.userSync.create({
    data: {
      name: `Okta ${unique()}`,
      domain: "acme.okta.com",
      credentialCiphertext: "not-a-real-ciphertext",
      credentialHint: "abcd",
      enrollmentType: "SEND_ENROLLMENT_EMAIL",
      uniqueField: "EMAIL",
      ...data,
    },
  });
}

export function createSyncRun(
  db: Db,
  data: Partial<Prisma.SyncRunUncheckedCreateInput> & { organizationId: string; userSyncId: string },
) {
  return db.syncRun.create({ data: { trigger: "MANUAL", status: "SUCCEEDED", ...data } });
}

/** New users as the sync engine leaves them for invitations: INVITED, not yet invited. */
export async function createDirectoryUsers(
  db: Db,
  {
    organizationId,
    userSyncId,
    count,
    ...data
  }: Partial<Prisma.DirectoryUserCreateManyInput> & {
    organizationId: string;
    userSyncId: string;
    count: number;
  },
) {
  const batch = unique();
  await db.directoryUser.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      organizationId,
      userSyncId,
      externalId: `${batch}-${i}`,
      email: `user${i}.${batch}@acme.test`,
      emailKey: `user${i}.${batch}@acme.test`,
      firstName: "User",
      lastName: String(i),
      status: "ACTIVE",
      enrollmentStatus: "INVITED" as const,
      ...data,
    })),
  });
  return db.directoryUser.findMany({
    where: { userSyncId, externalId: { startsWith: `${batch}-` } },
    orderBy: { id: "asc" },
  });
}
