import { signOutMember, switchOrganization } from "@/app/(dashboard)/actions";
import type { Membership } from "@/lib/auth/member";
import { type NavItem, SidebarNav } from "./sidebar";

const ROLE_LABEL = { OWNER: "Owner", ADMINISTRATOR: "Administrator", MEMBER: "Member" } as const;

interface ShellProps {
  organizationName: string;
  organizationId: string;
  memberName: string;
  role: keyof typeof ROLE_LABEL;
  memberships: Membership[];
  nav: NavItem[];
  children: React.ReactNode;
}

export function DashboardShell({
  organizationName,
  organizationId,
  memberName,
  role,
  memberships,
  nav,
  children,
}: ShellProps) {
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <aside className="flex shrink-0 flex-col gap-6 border-b border-slate-200 bg-white p-4 md:w-60 md:border-r md:border-b-0">
        <div>
          <p className="text-xs font-medium text-slate-500">Organization</p>
          {memberships.length > 1 ? (
            <form action={switchOrganization} className="mt-1 flex gap-2">
              <label htmlFor="organization-switch" className="sr-only">
                Switch organization
              </label>
              <select
                id="organization-switch"
                name="organizationId"
                defaultValue={organizationId}
                className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
              >
                {memberships.map((m) => (
                  <option key={m.organizationId} value={m.organizationId}>
                    {m.organizationName}
                  </option>
                ))}
              </select>
              <button
                type="submit"
                className="rounded-md border border-slate-300 px-2 text-xs font-medium hover:bg-slate-50"
              >
                Switch
              </button>
            </form>
          ) : (
            <p
              className="mt-0.5 truncate text-base font-semibold text-slate-900"
              data-testid="organization-name"
            >
              {organizationName}
            </p>
          )}
        </div>
        <SidebarNav items={nav} />
        <div className="mt-auto border-t border-slate-200 pt-4">
          <p className="truncate text-sm font-medium text-slate-900" data-testid="member-name">
            {memberName}
          </p>
          <p className="text-xs text-slate-500">{ROLE_LABEL[role]}</p>
          <form action={signOutMember} className="mt-3">
            <button type="submit" className="text-sm font-medium text-brand-700 hover:underline">
              Sign out
            </button>
          </form>
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 p-4 md:p-8">
        {children}
      </main>
    </div>
  );
}
