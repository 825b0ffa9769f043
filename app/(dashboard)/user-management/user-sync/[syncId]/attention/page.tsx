import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { ButtonLink } from "@/components/ui/button";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Pager } from "@/components/ui/pager";
import { Table, Td, Th } from "@/components/ui/table";
import { formatWhen } from "@/components/user-sync/run-status";
import { plural } from "@/emails/components/format";
import { requirePage } from "@/lib/auth/guard";
import { getDb, type UniqueField } from "@/lib/db";
import {
  ATTENTION_CODES,
  type AttentionEntry,
  attentionCounts,
  attentionProblem,
  listAttention,
} from "@/lib/user-sync/attention";
import { DIRECTORY_NAME, labelOf, UNIQUE_FIELDS } from "@/lib/user-sync/form";
import { getUserSync } from "@/lib/user-sync/service";

export const metadata: Metadata = { title: "Needs attention" };

const query = z.object({
  problem: z.enum(ATTENTION_CODES).optional().catch(undefined),
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});

const link = "text-brand-700 hover:underline";

export default async function NeedsAttentionPage({
  params,
  searchParams,
}: {
  params: Promise<{ syncId: string }>;
  searchParams: Promise<Record<string, string>>;
}) {
  const member = await requirePage("user-sync:read");
  const db = getDb();
  const sync = await getUserSync(db, member.organizationId, (await params).syncId);
  if (!sync) notFound();
  const { problem, after, before } = query.parse(await searchParams);
  const [counts, page] = await Promise.all([
    attentionCounts(db, sync.id),
    listAttention(db, sync, { code: problem, after, before }),
  ]);
  const total = counts.reduce((sum, { count }) => sum + count, 0);
  const syncPath = `/user-management/user-sync/${sync.id}`;
  const basePath = `${syncPath}/attention`;
  const field = labelOf(UNIQUE_FIELDS, sync.uniqueField);
  const directory = DIRECTORY_NAME[sync.provider];
  const shown = problem ? counts.filter(({ code }) => code === problem) : counts;
  const freed = page.items.filter((entry) => entry.collider && !entry.collider.holdsValue).length;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={syncPath} className={link}>
          ← <bdi>{sync.name}</bdi>
        </Link>
      </p>
      <PageHeader
        title="Needs attention"
        description={`The ${directory} users this sync does not import now, why, and what fixes it. An entry clears itself when a later run imports the user, or once ${directory} no longer has them.`}
      />
      {total === 0 ? (
        <EmptyState
          title={`Every ${directory} user is imported`}
          action={
            <ButtonLink href={syncPath} variant="secondary">
              Back to the sync
            </ButtonLink>
          }
        >
          No {directory} user of this sync is left out now. A user a run cannot import (a duplicate{" "}
          {field.toLowerCase()}, no {field.toLowerCase()}, invalid data) is listed here, with what fixes it,
          until a later run imports them.
        </EmptyState>
      ) : (
        <>
          {shown.length > 0 && (
            <Card className="mb-6 p-5" aria-labelledby="fix-heading">
              <h2 id="fix-heading" className="mb-3 text-sm font-semibold">
                How to fix
              </h2>
              <dl className="grid gap-3 text-sm">
                {shown.map(({ code, count }) => {
                  const { label, fix } = attentionProblem(code, sync.uniqueField);
                  return (
                    <div key={code}>
                      <dt className="font-medium text-slate-900">
                        {label} ({count.toLocaleString("en")})
                      </dt>
                      <dd className="mt-0.5 max-w-4xl text-slate-600">{fix}</dd>
                    </div>
                  );
                })}
              </dl>
            </Card>
          )}
          <nav aria-label="Problems" className="mb-3 flex flex-wrap gap-2">
            <ProblemLink href={basePath} current={!problem}>
              All ({total.toLocaleString("en")})
            </ProblemLink>
            {counts.map(({ code, count }) => (
              <ProblemLink key={code} href={`${basePath}?problem=${code}`} current={code === problem}>
                {attentionProblem(code, sync.uniqueField).label} ({count.toLocaleString("en")})
              </ProblemLink>
            ))}
          </nav>
          {freed > 0 && (
            <p role="note" className="mb-3 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
              {plural(freed, "user")} below {freed === 1 ? "collides" : "collide"} with a value nobody holds
              any more (marked <em>now free</em>): Full resync imports {freed === 1 ? "them" : "them all"}.
            </p>
          )}
          {page.items.length === 0 ? (
            <EmptyState
              title="None left of this problem"
              action={
                <ButtonLink href={basePath} variant="secondary">
                  Show all
                </ButtonLink>
              }
            >
              No {directory} user of this sync has this problem now.
            </EmptyState>
          ) : (
            <>
              <Table caption={`${directory} users not imported`}>
                <thead>
                  <tr>
                    <Th>{directory} user</Th>
                    <Th>{field}</Th>
                    <Th>Problem</Th>
                    <Th>First seen (UTC)</Th>
                    <Th>Last seen (UTC)</Th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((entry) => (
                    <tr key={entry.id}>
                      <Td>
                        <Clipped
                          className="max-w-40"
                          text={`${entry.name || entry.externalId} (${directory} id ${entry.externalId})`}
                        >
                          {entry.userId ? (
                            <Link href={`/user-management/users/${entry.userId}`} className={link}>
                              <bdi>{entry.name || entry.externalId}</bdi>
                            </Link>
                          ) : (
                            <bdi>{entry.name || entry.externalId}</bdi>
                          )}
                        </Clipped>
                      </Td>
                      <Td>
                        <Clipped className="max-w-44" text={uniqueValue(entry, sync.uniqueField) ?? "—"}>
                          <bdi>{uniqueValue(entry, sync.uniqueField) ?? "—"}</bdi>
                        </Clipped>
                      </Td>
                      <Td>
                        <Clipped className="max-w-56" text={problemText(entry, sync.uniqueField)}>
                          <Problem entry={entry} field={sync.uniqueField} />
                        </Clipped>
                      </Td>
                      <Td className="whitespace-nowrap">
                        <RunLink syncPath={syncPath} runId={entry.firstSeenRunId} at={entry.firstSeenAt} />
                      </Td>
                      <Td className="whitespace-nowrap">
                        <RunLink syncPath={syncPath} runId={entry.lastSeenRunId} at={entry.lastSeenAt} />
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              <Pager
                basePath={basePath}
                params={{ problem }}
                next={page.next}
                prev={page.prev}
                label="Needs attention pages"
              />
            </>
          )}
        </>
      )}
    </>
  );
}

function ProblemLink({
  href,
  current,
  children,
}: {
  href: string;
  current: boolean;
  children: React.ReactNode;
}) {
  return (
    <Link
      href={href}
      aria-current={current ? "page" : undefined}
      className={cn(
        "rounded-full px-3 py-1 text-sm font-medium",
        current
          ? "bg-brand-600 text-white"
          : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50",
      )}
    >
      {children}
    </Link>
  );
}

/** One line, cut with an ellipsis; the whole text stays for screen readers, and as a tooltip. */
function Clipped({
  className,
  text,
  children,
}: {
  className: string;
  text: string;
  children: React.ReactNode;
}) {
  return (
    <div className={cn("truncate", className)} title={text}>
      {children}
    </div>
  );
}

/** The user's value of the sync's Unique field, as Okta lists it. */
const uniqueValue = (entry: AttentionEntry, field: UniqueField) =>
  field === "EMAIL" ? entry.email : entry.username;

function colliderLabel({ collider }: AttentionEntry): string {
  return collider?.name || collider?.externalId || "a removed user";
}

/** The problem in words, for the tooltip. */
function problemText(entry: AttentionEntry, field: UniqueField): string {
  const { collision } = attentionProblem(entry.code, field);
  if (!entry.collider || !collision) return entry.reason;
  const free = entry.collider.holdsValue ? "" : " · now free";
  return `${collision[0]} ${colliderLabel(entry)}${collision[1]}${free}`;
}

function Problem({ entry, field }: { entry: AttentionEntry; field: UniqueField }) {
  const { collider } = entry;
  const { label, collision } = attentionProblem(entry.code, field);
  // Invalid data says which value; the other problems' labels say it all, shorter.
  if (!collider || !collision) return entry.code === "INVALID_DATA" ? entry.reason : label;
  const name = <bdi>{colliderLabel(entry)}</bdi>;
  return (
    <>
      {collision[0]}{" "}
      {collider.userId ? (
        <Link href={`/user-management/users/${collider.userId}`} className={link}>
          {name}
        </Link>
      ) : (
        name
      )}
      {collision[1]}
      {!collider.holdsValue && <span className="text-emerald-800"> · now free</span>}
    </>
  );
}

function RunLink({ syncPath, runId, at }: { syncPath: string; runId: string; at: Date }) {
  return (
    <Link href={`${syncPath}/runs/${runId}`} className={link}>
      {formatWhen(at).replace(" UTC", "")}
    </Link>
  );
}
