import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/card";
import { UserSyncForm } from "@/components/user-sync/user-sync-form";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { getUserSync } from "@/lib/user-sync/service";

export const metadata: Metadata = { title: "Edit user sync" };

export default async function EditUserSyncPage({ params }: { params: Promise<{ syncId: string }> }) {
  const member = await requirePage("user-sync:manage");
  const sync = await getUserSync(getDb(), member.organizationId, (await params).syncId);
  if (!sync) notFound();
  return (
    <div className="max-w-4xl">
      <p className="mb-2 text-sm">
        <Link href={`/user-management/user-sync/${sync.id}`} className="text-brand-700 hover:underline">
          ← {sync.name}
        </Link>
      </p>
      <PageHeader
        title={`Edit ${sync.name}`}
        description="Leave the API Token or private key blank to keep the saved one."
      />
      <UserSyncForm
        initial={{
          userSyncId: sync.id,
          name: sync.name,
          domain: sync.domain,
          authMethod: sync.authMethod,
          clientId: sync.clientId ?? "",
          dpop: sync.dpop,
          credentialHint: sync.credentialHint,
          enrollmentType: sync.enrollmentType,
          uniqueField: sync.uniqueField,
          schedule: sync.schedule,
          deletionPolicy: sync.deletionPolicy,
          safeguardPercent: sync.safeguardPercent,
          fullSyncEveryHours: sync.fullSyncEveryHours,
          alertAfterFailures: sync.alertAfterFailures,
          alertAfterHours: sync.alertAfterHours,
        }}
      />
    </div>
  );
}
