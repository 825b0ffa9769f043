import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui/card";
import { UserSyncForm } from "@/components/user-sync/user-sync-form";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "Okta Workspace" };

export default async function NewOktaSyncPage() {
  await requirePage("user-sync:manage");
  return (
    <div className="max-w-4xl">
      <p className="mb-2 text-sm">
        <Link href="/user-management/user-sync/new" className="text-brand-700 hover:underline">
          ← User Sync Integration
        </Link>
      </p>
      <PageHeader
        title="Okta Workspace"
        description="Provide a descriptive name and the mandatory configurations. The Domain Name and the API Token, or the Client ID and key of an API service app, can be obtained from Okta Workspace."
      />
      <UserSyncForm />
    </div>
  );
}
