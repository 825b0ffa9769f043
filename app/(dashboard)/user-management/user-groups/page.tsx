import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "User Groups" };

export default async function UserGroupsPage() {
  await requirePage("groups:read");
  return (
    <>
      <PageHeader
        title="User Groups"
        description="Groups of your organization, including those synced from Okta Workspace."
      />
      <EmptyState title="No user groups yet">
        Groups appear here after the first sync of a User Sync.
      </EmptyState>
    </>
  );
}
