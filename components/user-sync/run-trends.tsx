import Link from "next/link";
import { Card } from "@/components/ui/card";
import { Table } from "@/components/ui/table";
import type { RunTrend } from "@/lib/user-sync/runs";
import { formatDuration, formatWhen, RunStatus } from "./run-status";
import { RunTrendsChart, type TrendPoint } from "./run-trends-chart";

const COLUMNS = ["Started (UTC)", "Status", "Created", "Updated", "Removed", "Failed", "Duration"];
// Tighter than the shared Th/Td: seven columns fit the page's column at 1024 px.
const HEAD = "border-b border-slate-200 bg-slate-50 px-3 py-2 text-xs font-semibold text-slate-600";
const CELL = "border-b border-slate-100 px-3 py-2 align-top";
const NUMBER = "text-right tabular-nums";

/**
 * "Trends" on a sync's page: the charts of its last finished runs, and the same numbers as a table
 * (folded away; screen readers and browsers without scripts read it). A trend needs two runs.
 */
export function RunTrends({ syncId, runs }: { syncId: string; runs: RunTrend[] }) {
  const points: TrendPoint[] = runs.map((run) => ({
    when: formatWhen(run.startedAt).slice(5, 16),
    created: run.created,
    updated: run.updated,
    removed: run.removed,
    failed: run.failed,
    durationMs: run.durationMs,
  }));
  return (
    <section aria-labelledby="trends-heading" data-testid="run-trends">
      <div className="mb-2 flex flex-wrap items-baseline gap-x-2">
        <h2 id="trends-heading" className="text-base font-semibold">
          Trends
        </h2>
        {runs.length >= 2 && (
          <p className="text-sm text-slate-600">The last {runs.length} finished runs, by start time (UTC)</p>
        )}
      </div>
      {runs.length < 2 ? (
        <Card className="flex items-center gap-4 p-5 text-sm text-slate-600">
          <div aria-hidden className="flex h-10 items-end gap-1">
            {["h-4", "h-7", "h-5", "h-9"].map((height) => (
              <span key={height} className={`w-2 rounded-sm bg-slate-200 ${height}`} />
            ))}
          </div>
          <p>
            {runs.length === 0 ? "No run has finished yet." : "One run has finished so far."} Trends show once
            two runs have finished: users created, updated, removed and failed per run, and how long each
            took.
          </p>
        </Card>
      ) : (
        <Card className="p-5">
          <RunTrendsChart points={points} />
          <details className="mt-4 text-sm">
            <summary className="cursor-pointer font-medium text-brand-700">
              Show these runs as a table
            </summary>
            <Table caption={`The last ${runs.length} finished runs, oldest first`} className="mt-3">
              <thead>
                <tr>
                  {COLUMNS.map((column, i) => (
                    <th key={column} scope="col" className={`${HEAD} ${i > 1 ? "text-right" : "text-left"}`}>
                      {column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => (
                  <tr key={run.id}>
                    <th scope="row" className={`${CELL} text-left font-normal`}>
                      <Link
                        href={`/user-management/user-sync/${syncId}/runs/${run.id}`}
                        className="whitespace-nowrap text-brand-700 hover:underline"
                      >
                        {formatWhen(run.startedAt).replace(" UTC", "")}
                      </Link>
                    </th>
                    <td className={CELL}>
                      <RunStatus status={run.status} />
                    </td>
                    {[run.created, run.updated, run.removed, run.failed].map((value, i) => (
                      <td key={COLUMNS[i + 2]} className={`${CELL} ${NUMBER}`}>
                        {value.toLocaleString("en")}
                      </td>
                    ))}
                    <td className={`${CELL} ${NUMBER} whitespace-nowrap`}>
                      {formatDuration(run.durationMs)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </details>
        </Card>
      )}
    </section>
  );
}
