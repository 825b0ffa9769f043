import type { Metadata } from "next";
import { Fragment, Suspense } from "react";
import { CsvExportLink } from "@/components/export/csv-export-link";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Pager } from "@/components/ui/pager";
import { ResultCount } from "@/components/ui/search-box";
import { TableSkeleton } from "@/components/ui/skeleton";
import { shownFrom, Table, Td, Th } from "@/components/ui/table";
import { UserCells, UserHeadCells } from "@/components/users/user-cells";
import { UserFilters } from "@/components/users/user-filters";
import { EnrollmentBadge, VerifiedMark } from "@/components/users/user-status";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import {
  GROUPS_SHOWN,
  listUsers,
  type UserListQuery,
  type UserRow,
  userFilterOptions,
  userListQuery,
} from "@/lib/users/queries";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  const member = await requirePage("users:read");
  const query = userListQuery.parse(await searchParams);
  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone in your organization, including the people synced from Okta Workspace."
        actions={
          <CsvExportLink
            path="/api/users/export"
            params={{
              q: query.q,
              status: query.status,
              source: query.source,
              group: query.group,
              sort: query.sort,
            }}
          >
            Export CSV
          </CsvExportLink>
        }
      />
      {/* Checks above answer before anything streams (a 403 stays a 403); the table streams in. */}
      <Suspense key={JSON.stringify(query)} fallback={<TableSkeleton label="Loading users…" />}>
        <UsersResults organizationId={member.organizationId} query={query} />
      </Suspense>
    </>
  );
}

async function UsersResults({ organizationId, query }: { organizationId: string; query: UserListQuery }) {
  const db = getDb();
  const [page, options] = await Promise.all([
    listUsers(db, organizationId, query),
    userFilterOptions(db, organizationId),
  ]);
  const filtered = Boolean(query.q || query.status || query.source || query.group);
  return (
    <>
      {page.total === 0 && !filtered ? (
        <EmptyState title="No users yet">
          Users appear here after the first sync. An Owner or Administrator can connect Okta Workspace under
          User Sync.
        </EmptyState>
      ) : (
        <>
          <UserFilters values={query} {...options} />
          <ResultCount total={page.total} one="user" many="users" filtered={filtered} />
          {page.items.length === 0 ? (
            <EmptyState title="No users match">Try another search or clear the filters.</EmptyState>
          ) : (
            <Table caption="Users" fit>
              <thead>
                <tr>
                  <UserHeadCells usernameFrom="@6xl" />
                  <Th className={cn(shownFrom["@4xl"], "w-36")}>Email verified</Th>
                  <Th className={cn(shownFrom["@2xl"], "w-32")}>Enrollment</Th>
                  <Th className={cn(shownFrom["@4xl"], "w-[15%]")}>Source</Th>
                  <Th className={cn(shownFrom["@7xl"], "w-[15%]")}>Groups</Th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((user) => (
                  <tr key={user.id} className="hover:bg-slate-50">
                    <UserCells user={user} usernameFrom="@6xl" />
                    <Td className={shownFrom["@4xl"]}>
                      <VerifiedMark verified={user.emailVerified} />
                    </Td>
                    <Td className={shownFrom["@2xl"]}>
                      <EnrollmentBadge status={user.enrollmentStatus} />
                    </Td>
                    <Td className={shownFrom["@4xl"]} title={user.userSync?.name}>
                      {user.userSync?.name ?? <span className="text-slate-500">Dashboard</span>}
                    </Td>
                    <Td className={shownFrom["@7xl"]} title={groupsText(user)}>
                      {user.memberships.length === 0 ? (
                        <span className="text-slate-500">—</span>
                      ) : (
                        user.memberships.map((m, i) => (
                          <Fragment key={m.group.id}>
                            {i > 0 && ", "}
                            <bdi>{m.group.name}</bdi>
                          </Fragment>
                        ))
                      )}
                      {user._count.memberships > GROUPS_SHOWN && (
                        <span className="text-slate-500">
                          {" "}
                          +{user._count.memberships - GROUPS_SHOWN} more
                        </span>
                      )}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <Pager
            basePath="/user-management/users"
            params={query}
            next={page.next}
            prev={page.prev}
            label="Users pages"
          />
        </>
      )}
    </>
  );
}

/** The Groups cell as one line of text, for its `title`. */
function groupsText(user: UserRow): string | undefined {
  if (user.memberships.length === 0) return undefined;
  const more = user._count.memberships - GROUPS_SHOWN;
  return `${user.memberships.map((m) => m.group.name).join(", ")}${more > 0 ? ` +${more} more` : ""}`;
}
