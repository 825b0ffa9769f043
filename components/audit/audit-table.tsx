import Link from "next/link";
import { Table, Td, Th } from "@/components/ui/table";
import { formatWhen } from "@/components/user-sync/run-status";
import type { AuditEntry } from "@/lib/audit";

const TRIGGERS: Record<string, string> = { MANUAL: "SYNC DATA", SCHEDULED: "Schedule", REPLAY: "Replay" };

/** The event's details in words: what an edit changed, how a run was started, why the system decided. */
function detailsOf(entry: AuditEntry): string {
  const details = (entry.details ?? {}) as {
    changed?: unknown;
    domain?: { from?: unknown; to?: unknown };
    trigger?: unknown;
    forceFull?: unknown;
    reason?: unknown;
  };
  const moved =
    typeof details.domain?.from === "string" && typeof details.domain.to === "string"
      ? ` (domain ${details.domain.from} → ${details.domain.to})`
      : "";
  if (Array.isArray(details.changed))
    return details.changed.length ? `Changed: ${details.changed.join(", ")}${moved}` : "No changes";
  if (details.forceFull === true) return "Trigger: Full resync";
  if (typeof details.trigger === "string") return `Trigger: ${TRIGGERS[details.trigger] ?? details.trigger}`;
  if (typeof details.reason === "string") return details.reason;
  return "—";
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <Table caption="Audit log">
      <thead>
        <tr>
          <Th>When</Th>
          <Th>Who</Th>
          <Th>What</Th>
          <Th>Target</Th>
          <Th>Details</Th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id} className="hover:bg-slate-50">
            <Td className="whitespace-nowrap">
              <time dateTime={entry.createdAt.toISOString()}>{formatWhen(entry.createdAt)}</time>
            </Td>
            <Td className="break-words">
              {entry.actor ? (
                <>
                  <span className="font-medium">{entry.actor.name ?? entry.actor.email}</span>
                  {entry.actor.name && (
                    <span className="block text-xs text-slate-500">{entry.actor.email}</span>
                  )}
                </>
              ) : (
                <span className="text-slate-500">System</span>
              )}
            </Td>
            <Td>{entry.label}</Td>
            <Td className="break-words">
              {entry.target.href ? (
                <Link href={entry.target.href} className="text-brand-700 hover:underline">
                  {entry.target.label}
                </Link>
              ) : (
                <span className="text-slate-500">{entry.target.label}</span>
              )}
            </Td>
            <Td className="break-words text-slate-600">{detailsOf(entry)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
