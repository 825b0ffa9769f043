import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Pager } from "@/components/ui/pager";
import { ResultCount, SearchBox, SearchField } from "@/components/ui/search-box";
import { shownFrom, Table, Td, Th } from "@/components/ui/table";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { groupListQuery, listGroups } from "@/lib/groups/queries";

export const metadata: Metadata = { title: "User Groups" };

export default async function UserGroupsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const member = await requirePage("groups:read");
  const query = groupListQuery.parse(await searchParams);
  const page = await listGroups(getDb(), member.organizationId, query);
  return (
    <>
      <PageHeader
        title="User Groups"
        description="Groups of your organization, including those synced from Okta Workspace."
      />
      {page.total === 0 && !query.q ? (
        <EmptyState title="No user groups yet">
          Groups appear here after the first sync, with the users who belong to them.
        </EmptyState>
      ) : (
        <>
          <SearchBox label="Search groups" className="mb-4 flex max-w-md gap-2" submit="Search">
            <SearchField
              id="groups-q"
              label="Search groups"
              labelClassName="sr-only"
              className="flex-1"
              defaultValue={query.q}
              placeholder="Group name or description"
            />
          </SearchBox>
          <ResultCount total={page.total} one="group" many="groups" />
          <Table caption="User groups" fit>
            <thead>
              <tr>
                <Th>Name</Th>
                <Th className={shownFrom["@xl"]}>Description</Th>
                <Th className={cn(shownFrom["@2xl"], "w-[20%]")}>Source</Th>
                <Th className="w-28 text-right">Members</Th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((group) => (
                <tr key={group.id} className="hover:bg-slate-50">
                  <Td className="font-medium" title={group.name}>
                    <Link
                      href={`/user-management/user-groups/${group.id}`}
                      className="text-brand-700 hover:underline"
                    >
                      <bdi>{group.name}</bdi>
                    </Link>
                  </Td>
                  <Td
                    className={cn(shownFrom["@xl"], "text-slate-600")}
                    title={group.description ?? undefined}
                  >
                    {group.description === null ? (
                      <span className="text-slate-500">—</span>
                    ) : (
                      <bdi>{group.description}</bdi>
                    )}
                  </Td>
                  <Td className={shownFrom["@2xl"]} title={group.userSync?.name}>
                    {group.userSync?.name ?? <span className="text-slate-500">Dashboard</span>}
                  </Td>
                  <Td className="text-right tabular-nums">{group.memberCount.toLocaleString("en")}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <Pager
            basePath="/user-management/user-groups"
            params={query}
            next={page.next}
            prev={page.prev}
            label="User groups pages"
          />
        </>
      )}
    </>
  );
}
