import { cookies } from "next/headers";
import { cache } from "react";
import { getDb } from "@/lib/db";
import type { Role } from "@/lib/db/generated/enums";
import { auth } from "./config";

export const ACTIVE_ORG_COOKIE = "active-org";

export interface Membership {
  organizationId: string;
  organizationName: string;
  role: Role;
}

/** The signed-in member in their active organization, read from the database on every request. */
export interface MemberContext {
  userId: string;
  email: string;
  name: string | null;
  organizationId: string;
  organizationName: string;
  role: Role;
  memberships: Membership[];
}

/**
 * Resolves who is asking and for which organization. The role always comes from the database,
 * never from the token or the request, so a changed or revoked membership applies at once.
 */
export const getMemberContext = cache(async (): Promise<MemberContext | null> => {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  const user = await getDb().user.findUnique({
    where: { id: userId },
    include: { memberships: { include: { organization: true }, orderBy: { createdAt: "asc" } } },
  });
  if (!user || user.memberships.length === 0) return null;
  const memberships = user.memberships.map((m) => ({
    organizationId: m.organizationId,
    organizationName: m.organization.name,
    role: m.role,
  }));
  const wanted = (await cookies()).get(ACTIVE_ORG_COOKIE)?.value;
  const active = memberships.find((m) => m.organizationId === wanted) ?? (memberships[0] as Membership);
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    organizationId: active.organizationId,
    organizationName: active.organizationName,
    role: active.role,
    memberships,
  };
});
