import type { MemberContext } from "@/lib/auth/member";
import type { Db } from "@/lib/db";

/**
 * An organization (`slug`, named `organizationName` or the slug) with one Administrator, as the
 * signed-in member that actions and services take.
 */
export async function createAdministrator(
  db: Db,
  {
    slug,
    organizationName = slug,
    name = null,
  }: { slug: string; organizationName?: string; name?: string | null },
): Promise<MemberContext> {
  const organization = await db.organization.create({ data: { name: organizationName, slug } });
  const user = await db.user.create({ data: { email: `admin@${slug}.test`, name } });
  await db.member.create({
    data: { organizationId: organization.id, userId: user.id, role: "ADMINISTRATOR" },
  });
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    organizationId: organization.id,
    organizationName,
    role: "ADMINISTRATOR",
    memberships: [],
  };
}
