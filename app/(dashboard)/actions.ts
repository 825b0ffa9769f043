"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { signOut } from "@/lib/auth/config";
import { ACTIVE_ORG_COOKIE, getMemberContext } from "@/lib/auth/member";
import { recordId } from "@/lib/input";

/** Switches the active organization, only to one the member belongs to. */
export async function switchOrganization(formData: FormData): Promise<void> {
  const member = await getMemberContext();
  if (!member) redirect("/sign-in");
  const { data: organizationId } = recordId.safeParse(formData.get("organizationId"));
  if (!organizationId || !member.memberships.some((m) => m.organizationId === organizationId)) return;
  (await cookies()).set(ACTIVE_ORG_COOKIE, organizationId, {
    httpOnly: true,
    sameSite: "lax",
    secure: process.env.NODE_ENV === "production",
    path: "/",
  });
  redirect("/user-management/users");
}

export async function signOutMember(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}
