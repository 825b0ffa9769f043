import type { Metadata } from "next";
import Link from "next/link";
import { Card, PageHeader } from "@/components/ui/card";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "Add user sync" };

const INTEGRATIONS = [
  {
    name: "Okta Workspace",
    href: "/user-management/user-sync/new/okta",
    text: "Users, groups and memberships from your Okta org.",
  },
  {
    name: "Microsoft Entra ID",
    href: "/user-management/user-sync/new/entra",
    text: "Users, groups and memberships from your Microsoft Entra ID (formerly Azure AD) tenant.",
  },
  {
    name: "Google Workspace",
    href: "/user-management/user-sync/new/google",
    text: "Users, groups and memberships from your Google Workspace directory.",
  },
];

export default async function AddUserSyncPage() {
  await requirePage("user-sync:manage");
  return (
    <>
      <PageHeader
        title="User Sync Integration"
        description="Choose the directory to import users and groups from."
      />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {INTEGRATIONS.map((integration) => (
          <li key={integration.name}>
            <Link href={integration.href} className="block h-full rounded-lg focus-visible:outline-2">
              <Card className="h-full p-5 transition hover:border-brand-500 hover:shadow">
                <h2 className="text-base font-semibold text-slate-900">{integration.name}</h2>
                <p className="mt-1 text-sm text-slate-600">{integration.text}</p>
                <p className="mt-4 text-sm font-semibold text-brand-700">Configure →</p>
              </Card>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
