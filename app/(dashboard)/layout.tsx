import { DashboardShell } from "@/components/shell/dashboard-shell";
import { requirePage } from "@/lib/auth/guard";
import { can } from "@/lib/auth/permissions";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const member = await requirePage();
  const nav = [
    { href: "/user-management/users", label: "Users" },
    { href: "/user-management/user-groups", label: "User Groups" },
    ...(can(member.role, "user-sync:read")
      ? [{ href: "/user-management/user-sync", label: "User Sync" }]
      : []),
    // Always there for Owners and Administrators: the outbox without Resend, the record of what was sent with it.
    ...(can(member.role, "mailbox:read") ? [{ href: "/mailbox", label: "Mailbox", section: "Email" }] : []),
    ...(can(member.role, "audit:read")
      ? [{ href: "/audit-log", label: "Audit log", section: "Organization" }]
      : []),
  ];
  return (
    <DashboardShell
      organizationName={member.organizationName}
      organizationId={member.organizationId}
      memberName={member.name ?? member.email}
      role={member.role}
      memberships={member.memberships}
      nav={nav}
    >
      {children}
    </DashboardShell>
  );
}
