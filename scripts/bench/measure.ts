import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";

/** The machine the figures come from, and how busy it was (other engineers share it). */
export function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavg: loadavg(),
  };
}

/** `/proc/loadavg`'s 1, 5 and 15 minute averages. */
export function loadavg(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

function statusField(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // the process has exited
  }
}

/** The process and its descendants (e.g. a server that forks workers). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Peak resident memory of a process tree over an interval: the kernel's high-water mark (VmHWM),
 * reset at the start (`clear_refs` 5), summed over the tree, and a 250 ms sample of the tree's
 * RSS as a cross-check where the reset is not allowed. The tree is found once per interval:
 * walking /proc at every sample cost the bench a few percent of the machine's CPU.
 */
export class PeakMemory {
  private sampled = 0;
  private timer: NodeJS.Timeout | undefined;
  private pids: number[] = [];

  constructor(private readonly root: number) {}

  /** Starts measuring; returns the tree's resident memory now (bytes). */
  start(): number {
    this.pids = processTree(this.root);
    for (const pid of this.pids) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {
        // not permitted: the sample still measures
      }
    }
    this.sampled = this.rss();
    this.timer = setInterval(() => {
      this.sampled = Math.max(this.sampled, this.rss());
    }, 250);
    return this.sampled;
  }

  private rss(): number {
    return this.pids.reduce((sum, pid) => sum + statusField(pid, "VmRSS"), 0);
  }

  /** Bytes: the larger of the summed high-water marks and the sampled peak. */
  stop(): number {
    clearInterval(this.timer);
    const hwm = processTree(this.root).reduce((sum, pid) => sum + statusField(pid, "VmHWM"), 0);
    return Math.max(hwm, this.sampled);
  }
}

type TableStats = Record<string, number>;

/** Rows inserted, updated and deleted per table, from PostgreSQL's statistics. */
export async function tableWrites(url: string): Promise<TableStats> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; n: string }>(
      `SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n FROM pg_stat_user_tables`,
    );
    return Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)]));
  } finally {
    await client.end();
  }
}

/** The change between two snapshots, tables that did not change left out. */
export function writesBetween(before: TableStats, after: TableStats): TableStats {
  return Object.fromEntries(
    Object.entries(after)
      .map(([table, n]) => [table, n - (before[table] ?? 0)] as const)
      .filter(([, n]) => n !== 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

/**
 * Backends report their statistics when idle, at most every 10 s (PostgreSQL 15's
 * PGSTAT_IDLE_INTERVAL): read after that, so a scenario's writes are all counted.
 */
export const STATS_SETTLE_MS = 11_000;

export const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** A plain-text table: the header, then one row per record. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** Median and 95th percentile (nearest rank) of a sample. */
export function percentiles(values: number[]): { median: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { median: rank(0.5), p95: rank(0.95) };
}

/** The lines event-loop-monitor.mjs wrote for the seconds between two times (epoch ms). */
function monitorLines(log: string, from: number, to: number) {
  if (!existsSync(log)) return [];
  return (
    readFileSync(log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            at: number;
            maxMs: number;
            heapBytes: number;
            liveAfterGcBytes: number | null;
          },
      )
      // A line covers the second before it.
      .filter((line) => line.at > from && line.at - 1000 < to)
  );
}

/** The longest the app's event loop was held between two times; null when the monitor has no line for them. */
export function longestBlockMs(log: string, from: number, to: number): number | null {
  const lines = monitorLines(log, from, to);
  return lines.length > 0 ? Math.round(Math.max(...lines.map((line) => line.maxMs))) : null;
}

/**
 * The most JavaScript heap the app used between two times (bytes), garbage included, and the most
 * still alive after a full collection (null when none ran); null as above.
 */
export function peakHeap(log: string, from: number, to: number) {
  const lines = monitorLines(log, from, to);
  if (lines.length === 0) return null;
  const live = lines.flatMap((line) => (line.liveAfterGcBytes === null ? [] : [line.liveAfterGcBytes]));
  return {
    usedBytes: Math.max(...lines.map((line) => line.heapBytes)),
    liveAfterGcBytes: live.length > 0 ? Math.max(...live) : null,
  };
}
