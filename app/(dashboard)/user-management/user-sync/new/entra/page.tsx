import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui/card";
import { EntraSyncForm } from "@/components/user-sync/entra-sync-form";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "Microsoft Entra ID" };

export default async function NewEntraSyncPage() {
  await requirePage("user-sync:manage");
  return (
    <div className="max-w-4xl">
      <p className="mb-2 text-sm">
        <Link href="/user-management/user-sync/new" className="text-brand-700 hover:underline">
          ← User Sync Integration
        </Link>
      </p>
      <PageHeader
        title="Microsoft Entra ID"
        description="Provide a descriptive name and the mandatory configurations. The tenant ID, and the client ID and a client secret or certificate of an app registration, can be obtained from the Microsoft Entra admin center (formerly Azure AD)."
      />
      <EntraSyncForm />
    </div>
  );
}
