import type { Metadata } from "next";
import { Fragment, Suspense } from "react";
import { CsvExportLink } from "@/components/export/csv-export-link";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { Pager } from "@/components/ui/pager";
import { ResultCount } from "@/components/ui/search-box";
import { TableSkeleton } from "@/components/ui/skeleton";
import { Table, Td, Th } from "@/components/ui/table";
import { UserCells, UserHeadCells } from "@/components/users/user-cells";
import { UserFilters } from "@/components/users/user-filters";
import { EnrollmentBadge, VerifiedMark } from "@/components/users/user-status";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { listUsers, type UserListQuery, userFilterOptions, userListQuery } from "@/lib/users/queries";

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
            <Table caption="Users">
              <thead>
                <tr>
                  <UserHeadCells />
                  <Th>Email verified</Th>
                  <Th>Enrollment</Th>
                  <Th>Source</Th>
                  <Th>Groups</Th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((user) => (
                  <tr key={user.id} className="hover:bg-slate-50">
                    <UserCells user={user} />
                    <Td>
                      <VerifiedMark verified={user.emailVerified} />
                    </Td>
                    <Td>
                      <EnrollmentBadge status={user.enrollmentStatus} />
                    </Td>
                    <Td>{user.userSync?.name ?? <span className="text-slate-500">Dashboard</span>}</Td>
                    <Td>
                      {user.memberships.length === 0 ? (
                        <span className="text-slate-500">—</span>
                      ) : (
                        user.memberships.slice(0, 3).map((m, i) => (
                          <Fragment key={m.group.id}>
                            {i > 0 && ", "}
                            <bdi>{m.group.name}</bdi>
                          </Fragment>
                        ))
                      )}
                      {user._count.memberships > 3 && (
                        <span className="text-slate-500"> +{user._count.memberships - 3} more</span>
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
