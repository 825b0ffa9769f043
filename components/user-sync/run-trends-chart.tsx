"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration } from "./run-status";

/** A finished run as the chart plots it (serializable: it crosses from the server). */
export interface TrendPoint {
  /** The run's start, "MM-DD HH:mm" UTC: the x axis. */
  when: string;
  created: number;
  updated: number;
  removed: number;
  failed: number;
  durationMs: number;
}

/** The user counts, stacked: a bar's height is the users the run changed or failed on. */
const USER_SERIES = [
  { key: "created", label: "Created", color: "#047857" },
  { key: "updated", label: "Updated", color: "#2552e0" },
  { key: "removed", label: "Removed", color: "#b45309" },
  { key: "failed", label: "Failed", color: "#b91c1c" },
] as const;
// Darker than Tailwind's 500s: the tooltip writes each count in its series' colour, on white.

/** The tooltip lists the counts in the legend's order, not alphabetically. */
const seriesOrder = (item: { dataKey?: unknown }) => USER_SERIES.findIndex((s) => s.key === item.dataKey);

const AXIS = { fontSize: 12, fill: "#475569" };
const TOOLTIP_TEXT = { fontSize: 13 };
const MARGIN = { top: 12, right: 8, bottom: 0, left: 0 };
const count = (value: unknown) => Number(value).toLocaleString("en");

/**
 * The trends of a sync's last runs: users created, updated, removed and failed, and each run's
 * duration, two bar charts over the same runs, sharing one hover. Rendered in the browser only
 * (the charts measure their width); the page holds the same data in a table for screen readers and
 * scripts turned off, so the charts are one labelled image each.
 */
export function RunTrendsChart({ points }: { points: TrendPoint[] }) {
  const summary = `${points.length} runs, from ${points[0]?.when} to ${points.at(-1)?.when} UTC`;
  return (
    <div className="grid gap-4">
      <TrendPanel
        caption="Users per run"
        label={`Users created, updated, removed and failed per run: ${summary}.`}
        points={points}
        height={220}
        format={count}
        itemSorter={seriesOrder}
      >
        <Legend
          itemSorter={null}
          wrapperStyle={{ fontSize: 12 }}
          formatter={(label) => <span className="text-slate-700">{label}</span>}
        />
        {USER_SERIES.map((s) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            stackId="users"
            fill={s.color}
            isAnimationActive={false}
          />
        ))}
      </TrendPanel>
      <TrendPanel
        caption="Duration"
        label={`Duration of each run: ${summary}.`}
        points={points}
        height={160}
        format={(ms) => formatDuration(Number(ms))}
      >
        <Bar dataKey="durationMs" name="Duration" fill="#64748b" isAnimationActive={false} />
      </TrendPanel>
    </div>
  );
}

/** One chart of the trends: the runs along x, `format`ted values up y and in the tooltip. */
function TrendPanel({
  caption,
  label,
  points,
  height,
  format,
  itemSorter,
  children,
}: {
  caption: string;
  label: string;
  points: TrendPoint[];
  height: number;
  format: (value: unknown) => string;
  itemSorter?: (item: { dataKey?: unknown }) => number;
  children: React.ReactNode;
}) {
  return (
    <figure>
      <figcaption className="mb-1 text-sm font-medium text-slate-700">{caption}</figcaption>
      <div role="img" aria-label={label}>
        <BarChart
          responsive
          style={{ width: "100%", height }}
          data={points}
          syncId="run-trends"
          accessibilityLayer={false}
          margin={MARGIN}
        >
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="when" tick={AXIS} tickLine={false} minTickGap={24} />
          <YAxis
            tick={AXIS}
            tickLine={false}
            axisLine={false}
            allowDecimals={false}
            width={64}
            tickFormatter={format}
          />
          <Tooltip
            formatter={format}
            itemSorter={itemSorter}
            separator=": "
            contentStyle={TOOLTIP_TEXT}
            cursor={{ fill: "#f1f5f9" }}
          />
          {children}
        </BarChart>
      </div>
    </figure>
  );
}
