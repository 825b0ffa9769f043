import type { Db } from "@/lib/db";

/** A person in two organizations: Member of Acme, Administrator of Globex. */
export const DUAL_MEMBER = { email: "dual@acme.test", name: "Dana Dual" };

/** Ids the specs use to prove that another organization's records stay out of reach. */
export const FOREIGN = { userId: "e2e-globex-user", groupId: "e2e-globex-group" };

/** A few directory users and groups in Acme, and one of each in another organization. */
export async function seedDirectoryFixtures(db: Db): Promise<void> {
  const acme = await db.organization.findUniqueOrThrow({ where: { slug: "acme" } });
  // The email fixtures use Globex too: whichever runs first creates it.
  const globex = await db.organization.upsert({
    where: { slug: "globex" },
    update: {},
    create: { name: "Globex", slug: "globex" },
  });
  const people = [
    { name: "Zoë Ångström", email: "zoe@acme.test", username: "zoe", status: "ACTIVE", emailVerified: true },
    {
      name: "Bob Builder",
      email: "bob@acme.test",
      username: "bob",
      status: "SUSPENDED",
      emailVerified: false,
    },
    {
      name: "Carol Danvers",
      email: "carol@acme.test",
      username: "carol",
      status: "DEPROVISIONED",
      emailVerified: true,
    },
  ];
  const users = [];
  for (const p of people) {
    users.push(
      await db.directoryUser.create({
        data: {
          organizationId: acme.id,
          ...p,
          emailKey: p.email,
          profile: { login: p.username, email: p.email, department: "R&D" },
        },
      }),
    );
  }
  const group = await db.userGroup.create({
    data: { organizationId: acme.id, name: "Engineering", description: "Builds the product", memberCount: 2 },
  });
  await db.groupMembership.createMany({
    data: users.slice(0, 2).map((u) => ({ groupId: group.id, userId: u.id })),
  });
  await db.directoryUser.create({
    data: { id: FOREIGN.userId, organizationId: globex.id, name: "Globex Secret", status: "ACTIVE" },
  });
  await db.userGroup.create({
    data: { id: FOREIGN.groupId, organizationId: globex.id, name: "Globex Board" },
  });
  const owner = await db.user.findUniqueOrThrow({ where: { email: "owner@acme.test" } });
  await db.user.create({
    data: {
      ...DUAL_MEMBER,
      passwordHash: owner.passwordHash,
      memberships: {
        create: [
          { organizationId: acme.id, role: "MEMBER" },
          { organizationId: globex.id, role: "ADMINISTRATOR" },
        ],
      },
    },
  });
}
