import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "User Sync" };

export default async function UserSyncPage() {
  await requirePage("user-sync:read");
  return (
    <>
      <PageHeader
        title="User Sync"
        description="Import users and groups from your directory, one way, into this dashboard."
      />
      <EmptyState title="No user syncs yet">
        Connect your Okta Workspace to import its users and groups.
      </EmptyState>
    </>
  );
}
