// Emails are read in every time zone and client: dates are spelled out in UTC.
const dateTime = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

export function formatDateTime(date: Date): string {
  return `${dateTime.format(date)} UTC`;
}

/** "45 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

export function formatNumber(n: number): string {
  return n.toLocaleString("en-US");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** What a run stopped by the safeguard would remove, as the run records it. */
export interface PendingRemovals {
  pendingRemovals: number | null;
  pendingGroupRemovals: number | null;
  pendingMembershipRemovals: number | null;
}

const list = new Intl.ListFormat("en", { type: "conjunction" });

/** "5 users, 2 groups, and 3 memberships": the kinds with something to remove. */
export function pendingRemovalsText(run: PendingRemovals): string {
  const parts: [number | null, string][] = [
    [run.pendingRemovals, "user"],
    [run.pendingGroupRemovals, "group"],
    [run.pendingMembershipRemovals, "membership"],
  ];
  const named = parts.flatMap(([count, noun]) => (count ? [plural(count, noun)] : []));
  return named.length > 0 ? list.format(named) : "nothing";
}
