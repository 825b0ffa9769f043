import { hashPassword } from "@/lib/auth/password";
import type { Db, Role } from "@/lib/db";

export const DEFAULT_SEED_PASSWORD = "correct-horse-battery";

export const SEED_MEMBERS: { email: string; name: string; role: Role }[] = [
  { email: "owner@acme.test", name: "Olivia Owner", role: "OWNER" },
  { email: "admin@acme.test", name: "Adam Admin", role: "ADMINISTRATOR" },
  { email: "member@acme.test", name: "Mia Member", role: "MEMBER" },
];

export function seedPassword(): string {
  return process.env.SEED_PASSWORD || DEFAULT_SEED_PASSWORD;
}

/** Organization "Acme" with one member of each role. Safe to run twice. */
export async function seedDemo(db: Db, password = seedPassword()): Promise<{ organizationId: string }> {
  const passwordHash = await hashPassword(password);
  const organization = await db.organization.upsert({
    where: { slug: "acme" },
    update: {},
    create: { name: "Acme", slug: "acme" },
  });
  for (const { email, name, role } of SEED_MEMBERS) {
    const user = await db.user.upsert({
      where: { email },
      update: {},
      create: { email, name, passwordHash },
    });
    await db.member.upsert({
      where: { organizationId_userId: { organizationId: organization.id, userId: user.id } },
      update: { role },
      create: { organizationId: organization.id, userId: user.id, role },
    });
  }
  return { organizationId: organization.id };
}
