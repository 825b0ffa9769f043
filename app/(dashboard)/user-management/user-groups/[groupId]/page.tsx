import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { Pager } from "@/components/ui/pager";
import { Table } from "@/components/ui/table";
import { UserCells, UserHeadCells } from "@/components/users/user-cells";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { getGroup, listGroupMembers, memberListQuery } from "@/lib/groups/queries";

export const metadata: Metadata = { title: "User Group" };

export default async function UserGroupPage({
  params,
  searchParams,
}: {
  params: Promise<{ groupId: string }>;
  searchParams: Promise<Record<string, string>>;
}) {
  const member = await requirePage("groups:read");
  const { groupId } = await params;
  const db = getDb();
  const group = await getGroup(db, member.organizationId, groupId);
  if (!group) notFound();
  const query = memberListQuery.parse(await searchParams);
  const page = await listGroupMembers(db, group.id, query);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/user-management/user-groups" className="text-brand-700 hover:underline">
          ← User Groups
        </Link>
      </p>
      <PageHeader
        title={group.name}
        description={`${group.description ? `${group.description} · ` : ""}${group.memberCount.toLocaleString("en")} members · ${group.userSync?.name ?? "Dashboard"}`}
      />
      {page.items.length === 0 ? (
        <EmptyState title="No members">This group has no members.</EmptyState>
      ) : (
        <>
          <Table caption={`Members of ${group.name}`} fit>
            <thead>
              <tr>
                <UserHeadCells usernameFrom="@2xl" />
              </tr>
            </thead>
            <tbody>
              {page.items.map((user) => (
                <tr key={user.id} className="hover:bg-slate-50">
                  <UserCells user={user} usernameFrom="@2xl" missing="—" />
                </tr>
              ))}
            </tbody>
          </Table>
          <Pager
            basePath={`/user-management/user-groups/${group.id}`}
            params={query}
            next={page.next}
            prev={page.prev}
            label="Members pages"
          />
        </>
      )}
    </>
  );
}
