import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ButtonLink } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Pager } from "@/components/ui/pager";
import { shownFrom, Table, Td, Th } from "@/components/ui/table";
import { AttentionCallout } from "@/components/user-sync/attention-callout";
import { HealthBanner } from "@/components/user-sync/health-banner";
import {
  CancelRunButton,
  DeleteUserSyncButton,
  FullResyncButton,
  PreviewButton,
  SafeguardDecision,
  SyncDataButton,
} from "@/components/user-sync/run-actions";
import { RunProgress, type RunProgressData } from "@/components/user-sync/run-progress";
import { formatDuration, formatWhen, RunStatus, triggerLabel } from "@/components/user-sync/run-status";
import { RunTrends } from "@/components/user-sync/run-trends";
import { requirePage } from "@/lib/auth/guard";
import { can } from "@/lib/auth/permissions";
import { getDb } from "@/lib/db";
import { ACTIVE_STATUSES, listHealthIncidents } from "@/lib/sync";
import { countAttention } from "@/lib/user-sync/attention";
import {
  AUTH_METHODS,
  DELETION_POLICIES,
  DIRECTORY_NAME,
  ENROLLMENT_TYPES,
  ENTRA_AUTH_METHODS,
  healthAlertsLabel,
  labelOf,
  PROVIDER_LABEL,
  SCHEDULES,
  UNIQUE_FIELDS,
} from "@/lib/user-sync/form";
import { runReadingLabel } from "@/lib/user-sync/run-mode";
import { listRuns, listRunTrends } from "@/lib/user-sync/runs";
import { getUserSync, type PublicUserSync } from "@/lib/user-sync/service";

export const metadata: Metadata = { title: "User sync" };

/** How the sync reaches its directory, with what may be shown of its credential (never the secret). */
function connection(sync: PublicUserSync): [string, string][] {
  switch (sync.provider) {
    case "ENTRA_ID":
      return [["Tenant", sync.domain], ["Client ID", sync.clientId ?? ""], ...entraAuthentication(sync)];
    case "GOOGLE_WORKSPACE":
      return [
        ["Service account", sync.credentialHint],
        ["Admin email", sync.adminEmail ?? ""],
        ["Customer ID", sync.customerId ?? ""],
      ];
    case "OKTA":
      return [["Domain Name", sync.domain], ...oktaAuthentication(sync)];
  }
}

/** A certificate by its thumbprint (as the app registration lists it) and expiry; a secret by its last 4. */
function entraAuthentication(sync: PublicUserSync): [string, string][] {
  if (sync.authMethod !== "CERTIFICATE") return [["Client secret", `•••• ${sync.credentialHint}`]];
  return [
    ["Authentication", labelOf(ENTRA_AUTH_METHODS, sync.authMethod)],
    ["Certificate thumbprint", sync.credentialHint],
    ["Certificate expires", sync.credentialExpiresAt?.toISOString().slice(0, 10) ?? ""],
  ];
}

function oktaAuthentication(sync: PublicUserSync): [string, string][] {
  const method = labelOf(AUTH_METHODS, sync.authMethod);
  if (sync.authMethod === "API_TOKEN") return [["Authentication", `${method} •••• ${sync.credentialHint}`]];
  return [
    ["Authentication", method],
    ["Client ID", sync.clientId ?? ""],
    ["Key ID", sync.credentialHint],
    ["DPoP required", sync.dpop ? "Yes" : "No"],
  ];
}

export default async function UserSyncDetailPage({
  params,
  searchParams,
}: {
  params: Promise<{ syncId: string }>;
  searchParams: Promise<{ after?: string; before?: string; created?: string; saved?: string }>;
}) {
  const member = await requirePage("user-sync:read");
  const db = getDb();
  const sync = await getUserSync(db, member.organizationId, (await params).syncId);
  if (!sync) notFound();
  const query = await searchParams;
  const [history, trends, [incident]] = await Promise.all([
    listRuns(db, sync.id, { after: query.after, before: query.before }),
    listRunTrends(db, sync.id),
    listHealthIncidents(db, member.organizationId, sync.id),
  ]);
  const latest =
    query.after || query.before ? (await listRuns(db, sync.id, {}, 1)).items[0] : history.items[0];
  const attention = await countAttention(db, sync.id);
  const manage = can(member.role, "user-sync:manage");
  const running = latest ? ACTIVE_STATUSES.includes(latest.status) : false;
  const config: [string, string][] = [
    ["Integration", PROVIDER_LABEL[sync.provider]],
    ...connection(sync),
    ["Enrollment Type", labelOf(ENROLLMENT_TYPES, sync.enrollmentType)],
    ["Unique field", labelOf(UNIQUE_FIELDS, sync.uniqueField)],
    ["Schedule", labelOf(SCHEDULES, sync.schedule)],
    ["Deleted users", labelOf(DELETION_POLICIES, sync.deletionPolicy)],
    ["Safeguard", `Wait for approval above ${sync.safeguardPercent}% removed`],
    ["Full sync", `Every ${sync.fullSyncEveryHours} ${sync.fullSyncEveryHours === 1 ? "hour" : "hours"}`],
    ["Health alerts", healthAlertsLabel(sync)],
  ];
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/user-management/user-sync" className="text-brand-700 hover:underline">
          ← User Sync
        </Link>
      </p>
      <PageHeader
        title={sync.name}
        description={`All ${PROVIDER_LABEL[sync.provider]} users are synced into the dashboard upon clicking SYNC DATA.`}
        actions={
          <>
            {can(member.role, "sync-run:start") && (
              <>
                <SyncDataButton
                  userSyncId={sync.id}
                  disabled={running}
                  directory={DIRECTORY_NAME[sync.provider]}
                />
                <FullResyncButton
                  userSyncId={sync.id}
                  disabled={running}
                  directory={DIRECTORY_NAME[sync.provider]}
                />
                <PreviewButton
                  userSyncId={sync.id}
                  disabled={running}
                  directory={DIRECTORY_NAME[sync.provider]}
                />
              </>
            )}
            {manage && (
              <ButtonLink href={`/user-management/user-sync/${sync.id}/edit`} variant="secondary">
                EDIT
              </ButtonLink>
            )}
            {manage && <DeleteUserSyncButton userSyncId={sync.id} name={sync.name} />}
          </>
        }
      />
      {incident && <HealthBanner incident={incident} />}
      {(query.created || query.saved) && (
        <p role="status" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {query.created
            ? `User Sync created successfully. Click SYNC DATA to import your ${DIRECTORY_NAME[sync.provider]} users.`
            : "Changes saved."}
        </p>
      )}
      <AttentionCallout userSyncId={sync.id} directory={DIRECTORY_NAME[sync.provider]} count={attention} />
      {/* SYNC HISTORY needs the full width below 2xl: the configuration sits above it, in two columns. */}
      <div className="grid gap-6 2xl:grid-cols-3">
        <Card className="p-5 2xl:col-span-1">
          <h2 className="mb-3 text-sm font-semibold">Configuration</h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm lg:grid-cols-[auto_1fr_auto_1fr] 2xl:grid-cols-[auto_1fr]">
            {config.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-slate-500">{label}</dt>
                <dd className="break-words">{value}</dd>
              </div>
            ))}
          </dl>
        </Card>
        {/* min-w-0: the column keeps to the screen; SYNC HISTORY shows the columns its width allows. */}
        <div className="flex min-w-0 flex-col gap-6 2xl:col-span-2">
          {latest && (
            <RunProgress
              initial={JSON.parse(JSON.stringify(latest)) as RunProgressData}
              directory={DIRECTORY_NAME[sync.provider]}
              provider={sync.provider}
            >
              <div className="mt-4 flex flex-wrap gap-2">
                {running && can(member.role, "sync-run:start") && <CancelRunButton syncRunId={latest.id} />}
                {latest.status === "BLOCKED" && can(member.role, "sync-run:decide") && (
                  <SafeguardDecision syncRunId={latest.id} />
                )}
                <ButtonLink href={`/user-management/user-sync/${sync.id}/runs/${latest.id}`} variant="ghost">
                  {latest.preview ? "View preview →" : "Run details →"}
                </ButtonLink>
              </div>
            </RunProgress>
          )}
          <RunTrends syncId={sync.id} runs={trends} />
          <section aria-labelledby="history-heading">
            <h2 id="history-heading" className="mb-2 text-base font-semibold">
              SYNC HISTORY
            </h2>
            {history.items.length === 0 ? (
              <Card className="p-6 text-sm text-slate-600">
                No runs yet. Click SYNC DATA to run the first sync.
              </Card>
            ) : (
              <>
                <Table caption="Sync history" fit>
                  <thead>
                    <tr>
                      <Th className="w-[11.5rem]">Started</Th>
                      <Th className={cn(shownFrom["@3xl"], "w-[6.5rem]")}>Trigger</Th>
                      <Th className={shownFrom["@2xl"]}>Mode</Th>
                      <Th className={shownFrom["@6xl"]}>By</Th>
                      <Th className="w-28">Status</Th>
                      <Th className={cn(shownFrom["@4xl"], "w-[6.5rem]")}>Duration</Th>
                      <Th className={cn(shownFrom["@md"], "w-36")}>Users</Th>
                      <Th className={cn(shownFrom["@xl"], "w-[6.5rem]")}>Groups</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {history.items.map((run) => {
                      const by =
                        run.startedBy?.name ??
                        run.startedBy?.email ??
                        (run.trigger === "SCHEDULED" ? "Schedule" : "—");
                      const users = `+${run.usersCreated} ~${run.usersUpdated} −${run.usersDeleted + run.usersDeprovisioned}`;
                      const groups = `+${run.groupsCreated} ~${run.groupsUpdated} −${run.groupsDeleted}`;
                      return (
                        <tr key={run.id} className="hover:bg-slate-50">
                          <Td>
                            <Link
                              href={`/user-management/user-sync/${sync.id}/runs/${run.id}`}
                              className="text-brand-700 hover:underline"
                            >
                              {formatWhen(run.startedAt ?? run.queuedAt)}
                            </Link>
                          </Td>
                          <Td className={shownFrom["@3xl"]}>{triggerLabel(run)}</Td>
                          <Td
                            className={shownFrom["@2xl"]}
                            title={runReadingLabel(run, sync.provider) ?? undefined}
                          >
                            {runReadingLabel(run, sync.provider) ?? "—"}
                          </Td>
                          <Td className={shownFrom["@6xl"]} title={by}>
                            {by}
                          </Td>
                          <Td>
                            <RunStatus status={run.status} />
                          </Td>
                          <Td className={shownFrom["@4xl"]}>
                            {run.startedAt && run.finishedAt
                              ? formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())
                              : "—"}
                          </Td>
                          <Td
                            className={cn(shownFrom["@md"], "text-slate-600")}
                            title={run.usersFailed > 0 ? `${users} ✕${run.usersFailed}` : users}
                          >
                            {users}
                            {run.usersFailed > 0 && <span className="text-red-700"> ✕{run.usersFailed}</span>}
                          </Td>
                          <Td className={cn(shownFrom["@xl"], "text-slate-600")} title={groups}>
                            {groups}
                          </Td>
                        </tr>
                      );
                    })}
                  </tbody>
                </Table>
                <p className="mt-2 text-xs text-slate-500">
                  Users and groups: + created, ~ updated, − removed, ✕ failed.
                </p>
                <Pager
                  basePath={`/user-management/user-sync/${sync.id}`}
                  params={{}}
                  next={history.next}
                  prev={history.prev}
                  label="Sync history pages"
                />
              </>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
