import type { Metadata } from "next";
import { z } from "zod";
import { AuditTable } from "@/components/audit/audit-table";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { Pager } from "@/components/ui/pager";
import { listAuditEvents } from "@/lib/audit";
import { requirePage } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Audit log" };

const query = z.object({
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});

/** Owners only: who changed what in the organization, and every sync started or decided. */
export default async function AuditLogPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const member = await requirePage("audit:read");
  const page = await listAuditEvents(getDb(), member.organizationId, query.parse(await searchParams));
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change to a user sync, and every sync run started, cancelled, approved or rejected: who did it, when, and to what."
      />
      {page.items.length === 0 ? (
        <EmptyState title="Nothing recorded yet">
          Creating, editing or deleting a user sync, and starting, cancelling, approving or rejecting a sync
          run, are recorded here with who did it and when.
        </EmptyState>
      ) : (
        <>
          <AuditTable entries={page.items} />
          <Pager
            basePath="/audit-log"
            params={{}}
            next={page.next}
            prev={page.prev}
            label="Audit log pages"
          />
        </>
      )}
    </>
  );
}
