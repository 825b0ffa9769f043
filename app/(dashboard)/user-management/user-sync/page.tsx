import type { Metadata } from "next";
import Link from "next/link";
import { ButtonLink } from "@/components/ui/button";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { HealthIncidentsBanner } from "@/components/user-sync/health-banner";
import { formatWhen, RunStatus } from "@/components/user-sync/run-status";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { listHealthIncidents } from "@/lib/sync";
import { labelOf, PROVIDER_LABEL, SCHEDULES } from "@/lib/user-sync/form";
import { listUserSyncs } from "@/lib/user-sync/service";

export const metadata: Metadata = { title: "User Sync" };

export default async function UserSyncPage({
  searchParams,
}: {
  searchParams: Promise<{ deleted?: string }>;
}) {
  const member = await requirePage("user-sync:read");
  const db = getDb();
  const [syncs, incidents] = await Promise.all([
    listUserSyncs(db, member.organizationId),
    listHealthIncidents(db, member.organizationId),
  ]);
  const { deleted } = await searchParams;
  const add = <ButtonLink href="/user-management/user-sync/new">+ ADD USER SYNC</ButtonLink>;
  return (
    <>
      <PageHeader
        title="User Sync"
        description="Import users and groups from your directory, one way, into this dashboard. Nothing is written back to the directory."
        actions={syncs.length > 0 ? add : undefined}
      />
      <HealthIncidentsBanner incidents={incidents} />
      {deleted && (
        <p role="status" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          The user sync was deleted. The users and groups it imported are still listed.
        </p>
      )}
      {syncs.length === 0 ? (
        <EmptyState title="No user syncs yet" action={add}>
          Connect your Okta Workspace, Microsoft Entra ID or Google Workspace to import its users, groups and
          group memberships.
        </EmptyState>
      ) : (
        <Table caption="User syncs">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Provider</Th>
              <Th>Status</Th>
              <Th>Last run</Th>
              <Th>Result</Th>
              <Th>Schedule</Th>
            </tr>
          </thead>
          <tbody>
            {syncs.map((sync) => {
              const run = sync.runs[0];
              return (
                <tr key={sync.id} className="hover:bg-slate-50">
                  <Td className="font-medium">
                    <Link
                      href={`/user-management/user-sync/${sync.id}`}
                      className="text-brand-700 hover:underline"
                    >
                      {sync.name}
                    </Link>
                    <p className="text-xs font-normal text-slate-500">{sync.domain}</p>
                  </Td>
                  <Td>{PROVIDER_LABEL[sync.provider]}</Td>
                  <Td>
                    {run ? (
                      <RunStatus status={run.status} />
                    ) : (
                      <span className="text-slate-500">Never synced</span>
                    )}
                  </Td>
                  <Td>{formatWhen(run?.startedAt ?? run?.queuedAt ?? null)}</Td>
                  <Td className="text-slate-600">
                    {run
                      ? `${run.usersCreated} created · ${run.usersUpdated} updated · ${run.usersDeleted + run.usersDeprovisioned} removed · ${run.usersFailed} failed`
                      : "—"}
                  </Td>
                  <Td>{labelOf(SCHEDULES, sync.schedule)}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </>
  );
}
