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
  { name: "Azure AD", href: null, text: "Microsoft Entra ID users and groups." },
  { name: "Google Workspace", href: null, text: "Google Workspace directory users and groups." },
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
            {integration.href ? (
              <Link href={integration.href} className="block h-full rounded-lg focus-visible:outline-2">
                <Card className="h-full p-5 transition hover:border-brand-500 hover:shadow">
                  <h2 className="text-base font-semibold text-slate-900">{integration.name}</h2>
                  <p className="mt-1 text-sm text-slate-600">{integration.text}</p>
                  <p className="mt-4 text-sm font-semibold text-brand-700">Configure →</p>
                </Card>
              </Link>
            ) : (
              <Card className="h-full bg-slate-50 p-5 opacity-80" aria-disabled="true">
                <h2 className="text-base font-semibold text-slate-700">{integration.name}</h2>
                <p className="mt-1 text-sm text-slate-500">{integration.text}</p>
                <p className="mt-4 text-xs font-semibold tracking-wide text-slate-500 uppercase">
                  Not yet available
                </p>
              </Card>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
