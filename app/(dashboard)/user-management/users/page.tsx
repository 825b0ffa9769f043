import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { requirePage } from "@/lib/auth/guard";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  await requirePage("users:read");
  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone in your organization, including the people synced from Okta Workspace."
      />
      <EmptyState title="No users yet">Users appear here after the first sync of a User Sync.</EmptyState>
    </>
  );
}
