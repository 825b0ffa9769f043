import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { EnrollmentBadge, UserStatus, VerifiedMark } from "@/components/users/user-status";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { RUN_ITEM_LABEL } from "@/lib/user-sync/runs";
import { getUser, userSyncHistory } from "@/lib/users/queries";

export const metadata: Metadata = { title: "User" };

export default async function UserPage({ params }: { params: Promise<{ userId: string }> }) {
  const member = await requirePage("users:read");
  const { userId } = await params;
  const db = getDb();
  const user = await getUser(db, member.organizationId, userId);
  if (!user) notFound();
  const history = await userSyncHistory(db, user);
  const profile = Object.entries((user.profile ?? {}) as Record<string, unknown>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/user-management/users" className="text-brand-700 hover:underline">
          ← Users
        </Link>
      </p>
      <PageHeader
        title={user.name || user.email || user.username || "(no name)"}
        description={user.email ?? user.username ?? undefined}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="p-5 lg:col-span-1">
          <h2 className="mb-3 text-sm font-semibold text-slate-900">Overview</h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-slate-500">Status</dt>
            <dd>
              <UserStatus status={user.status} />
            </dd>
            <dt className="text-slate-500">Email</dt>
            <dd className="break-words">
              <bdi>{user.email ?? "—"}</bdi>
            </dd>
            <dt className="text-slate-500">Username</dt>
            <dd className="break-words">
              <bdi>{user.username ?? "—"}</bdi>
            </dd>
            <dt className="text-slate-500">Email verified</dt>
            <dd>
              <VerifiedMark verified={user.emailVerified} />
            </dd>
            <dt className="text-slate-500">Enrollment</dt>
            <dd>
              <EnrollmentBadge status={user.enrollmentStatus} />
            </dd>
            <dt className="text-slate-500">Source</dt>
            <dd>{user.userSync?.name ?? "Dashboard"}</dd>
            <dt className="text-slate-500">Okta id</dt>
            <dd className="font-mono text-xs break-words">{user.externalId ?? "—"}</dd>
          </dl>
          <h2 className="mt-6 mb-2 text-sm font-semibold text-slate-900">Groups</h2>
          {user.memberships.length === 0 ? (
            <p className="text-sm text-slate-500">Not in any group.</p>
          ) : (
            <ul className="flex flex-col gap-1 text-sm">
              {user.memberships.map((m) => (
                <li key={m.group.id}>
                  <Link
                    href={`/user-management/user-groups/${m.group.id}`}
                    className="text-brand-700 hover:underline"
                  >
                    <bdi>{m.group.name}</bdi>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <div className="flex flex-col gap-6 lg:col-span-2">
          <section aria-labelledby="profile-heading">
            <h2 id="profile-heading" className="mb-2 text-sm font-semibold text-slate-900">
              Okta profile attributes
            </h2>
            {profile.length === 0 ? (
              <p className="text-sm text-slate-500">No profile attributes were synced.</p>
            ) : (
              <Table caption="Okta profile attributes">
                <thead>
                  <tr>
                    <Th>Attribute</Th>
                    <Th>Value</Th>
                  </tr>
                </thead>
                <tbody>
                  {profile.map(([key, value]) => (
                    <tr key={key}>
                      <Td className="font-mono text-xs">{key}</Td>
                      <Td className="break-words">
                        {value === null ? (
                          <span className="text-slate-500">null</span>
                        ) : (
                          <bdi>{typeof value === "string" ? value : JSON.stringify(value)}</bdi>
                        )}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </section>
          <section aria-labelledby="history-heading">
            <h2 id="history-heading" className="mb-2 text-sm font-semibold text-slate-900">
              Sync history
            </h2>
            {history.length === 0 ? (
              <p className="text-sm text-slate-500">No sync has changed this user yet.</p>
            ) : (
              <Table caption="Sync history of this user">
                <thead>
                  <tr>
                    <Th>When</Th>
                    <Th>Change</Th>
                    <Th>Details</Th>
                  </tr>
                </thead>
                <tbody>
                  {history.map((item) => (
                    <tr key={item.id}>
                      <Td>
                        <Link
                          href={`/user-management/user-sync/${user.userSyncId}/runs/${item.syncRun.id}`}
                          className="text-brand-700 hover:underline"
                        >
                          {item.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC
                        </Link>
                      </Td>
                      <Td>{RUN_ITEM_LABEL[item.kind]}</Td>
                      <Td className="break-words">
                        {item.reason ?? (item.changes ? Object.keys(item.changes as object).join(", ") : "—")}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
