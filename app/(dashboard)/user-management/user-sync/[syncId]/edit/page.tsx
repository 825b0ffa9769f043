import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/card";
import { EntraSyncForm } from "@/components/user-sync/entra-sync-form";
import { GoogleSyncForm } from "@/components/user-sync/google-sync-form";
import { UserSyncForm } from "@/components/user-sync/user-sync-form";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { getUserSync, type PublicUserSync } from "@/lib/user-sync/service";

export const metadata: Metadata = { title: "Edit user sync" };

/** What keeps the saved secret, as each directory's form says it. */
const KEEP_SECRET = {
  OKTA: "Leave the API Token or private key blank to keep the saved one.",
  ENTRA_ID: "Leave the client secret or certificate blank to keep the saved one.",
  GOOGLE_WORKSPACE: "Leave the service account key blank to keep the saved one.",
} as const;

/** The sync's directory's form, filled with what was saved (never the secret). */
function EditForm({ sync }: { sync: PublicUserSync }) {
  const settings = {
    userSyncId: sync.id,
    name: sync.name,
    credentialHint: sync.credentialHint,
    enrollmentType: sync.enrollmentType,
    uniqueField: sync.uniqueField,
    schedule: sync.schedule,
    deletionPolicy: sync.deletionPolicy,
    safeguardPercent: sync.safeguardPercent,
    fullSyncEveryHours: sync.fullSyncEveryHours,
    alertAfterFailures: sync.alertAfterFailures,
    alertAfterHours: sync.alertAfterHours,
  };
  switch (sync.provider) {
    case "ENTRA_ID":
      return (
        <EntraSyncForm
          initial={{
            ...settings,
            tenantId: sync.domain,
            clientId: sync.clientId ?? "",
            authMethod: sync.authMethod,
            credentialExpiresAt: sync.credentialExpiresAt?.toISOString(),
          }}
        />
      );
    case "GOOGLE_WORKSPACE":
      return (
        <GoogleSyncForm
          initial={{ ...settings, adminEmail: sync.adminEmail ?? "", customerId: sync.customerId ?? "" }}
        />
      );
    case "OKTA":
      return (
        <UserSyncForm
          initial={{
            ...settings,
            domain: sync.domain,
            authMethod: sync.authMethod,
            clientId: sync.clientId ?? "",
            dpop: sync.dpop,
          }}
        />
      );
  }
}

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
      <PageHeader title={`Edit ${sync.name}`} description={KEEP_SECRET[sync.provider]} />
      <EditForm sync={sync} />
    </div>
  );
}
