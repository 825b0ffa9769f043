import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui/card";
import { GoogleSyncForm } from "@/components/user-sync/google-sync-form";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "Google Workspace" };

export default async function NewGoogleSyncPage() {
  await requirePage("user-sync:manage");
  return (
    <div className="max-w-4xl">
      <p className="mb-2 text-sm">
        <Link href="/user-management/user-sync/new" className="text-brand-700 hover:underline">
          ← User Sync Integration
        </Link>
      </p>
      <PageHeader
        title="Google Workspace"
        description="Provide a descriptive name and the mandatory configurations: the JSON key of a Google Cloud service account with domain-wide delegation, and the Workspace admin it acts as."
      />
      <GoogleSyncForm />
    </div>
  );
}
