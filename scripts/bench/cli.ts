/**
 * `npm run bench`: the sync and the pages at an org's size, through the real path — an event to
 * the local Inngest runner (a process of its own), the app's `serve()` (a production build), the
 * Okta client, the fake Okta and the database. Prints one JSON line per scenario and a table;
 * docs/benchmarks.md has the figures, the machine and what bounds each one.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/okta_bench npm run bench -- \
 *     --users 100000 --groups 1000 --memberships 300000 --scenarios all
 *
 * Scenarios: first (first full sync), nochange (Full resync, then SYNC DATA — a delta run — with
 * nothing changed), scheduled (a scheduled delta run with no change), incremental (a delta run
 * after 1% of users and 1% of memberships changed), ratelimited (under Okta's limits: SYNC DATA
 * with nothing changed, then a full sync reading every group's members), busy (the Users page
 * timed while a first full sync runs, and idle after it), export (the CSV exports of every user
 * and of a first sync's changes, at full speed and for a slow client; a first sync runs first if
 * none has), pages (Users and User Sync pages), entra and google (a first full sync of a Microsoft
 * Entra ID tenant, of a Google Workspace, of the same size, each through its own client and fake,
 * then SYNC DATA with nothing changed, then SYNC DATA after 1% of the users and 10 groups changed), engine (the engine alone, in this process). `all` is every
 * one but engine. Each sync also reports the longest the app's event loop was held while it ran
 * (`event-loop-monitor.mjs`).
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { MemberContext } from "@/lib/auth/member";
import { createDb, type Db } from "@/lib/db";
import { DEFAULT_RESERVE_SHARE } from "@/lib/okta/pacing";
import { encodeCursor } from "@/lib/pagination";
import { DEFAULT_SEED_PASSWORD, SEED_MEMBERS, seedDemo } from "@/lib/seed";
import type { FakeOkta } from "@/scripts/fake-okta";
import { dropDatabase, freshPostgres } from "@/test-support/postgres";
import {
  type BenchDirectory,
  entraDirectory,
  googleDirectory,
  oktaDirectory,
  type Provider,
  type SyncSettings,
} from "./directories";
import { benchEngine } from "./engine";
import { downloadCsv } from "./export";
import {
  loadavg,
  longestBlockMs,
  machine,
  mb,
  PeakMemory,
  peakHeap,
  STATS_SETTLE_MS,
  tableWrites,
  textTable,
  writesBetween,
} from "./measure";
import { type PageTiming, samplePage, sampleStats, signIn, timePage } from "./pages";
import { ensureBuild, freshPglite, startApp, startRunnerProcess, waitFor } from "./stack";

const SCENARIOS = [
  "first",
  "nochange",
  "scheduled",
  "incremental",
  "ratelimited",
  "busy",
  "export",
  "pages",
  "entra",
  "google",
  "engine",
] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    groups: { type: "string", default: "1000" },
    memberships: { type: "string" },
    scenarios: { type: "string", default: "all" },
    seed: { type: "string", default: "1" },
    "app-port": { type: "string", default: "3190" },
    "runner-port": { type: "string", default: "3191" },
    "page-requests": { type: "string", default: "100" },
    "change-share": { type: "string", default: "0.01" },
    json: { type: "string" },
    keep: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    /** Writes V8 CPU profiles of the app and the runner to .data/bench/profiles when they stop. */
    "cpu-prof": { type: "boolean", default: false },
  },
});
const users = Number(args.users);
const groups = Number(args.groups);
const memberships = Number(args.memberships ?? users * 3);
const seed = Number(args.seed);
const appPort = Number(args["app-port"]);
const runnerPort = Number(args["runner-port"]);
const changeShare = Number(args["change-share"]);
const scenarios = new Set<Scenario>(
  args.scenarios === "all"
    ? SCENARIOS.filter((s) => s !== "engine")
    : (args.scenarios.split(",").map((s) => s.trim()) as Scenario[]),
);
for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`Unknown scenario ${s}`);

const appUrl = `http://127.0.0.1:${appPort}`;
const runnerUrl = `http://127.0.0.1:${runnerPort}`;
const OWNER = SEED_MEMBERS[0] as (typeof SEED_MEMBERS)[number];
const password = process.env.SEED_PASSWORD || DEFAULT_SEED_PASSWORD;
const UNLIMITED = { users: 1e9, groups: 1e9, logs: 1e9, other: 1e9, concurrency: 1000 };
/** Okta's documented limits the issue asks about. */
const OKTA_LIMITS = { users: 600, groups: 500, logs: 60 };
// The bench creates the sync (its token encrypted) and the app decrypts it: one key for both.
process.env.TOKEN_ENCRYPTION_KEYS ??= `bench:${Buffer.alloc(32, 7).toString("base64")}`;
process.env.NEXT_TELEMETRY_DISABLED = "1";

const print = (record: Record<string, unknown>) => {
  const line = JSON.stringify(record);
  console.log(line);
  if (args.json) appendFileSync(args.json, `${line}\n`);
};

const baseUrl = process.env.DATABASE_URL;
const postgres = Boolean(baseUrl && /^postgres(ql)?:\/\//.test(baseUrl));

if (scenarios.has("engine")) {
  if (!postgres || !baseUrl) throw new Error("The engine scenario needs DATABASE_URL (PostgreSQL)");
  await benchEngine(baseUrl, users, groups);
  scenarios.delete("engine");
  if (scenarios.size === 0) process.exit(0);
}
for (const scenario of ["scheduled", "incremental", "busy"] as const) {
  if (postgres || !scenarios.has(scenario)) continue;
  // An incremental run is a scheduled one: only requestSyncRun in this process can ask for it,
  // and PGlite admits one process (the app's); busy clears the sync's users first, and PGlite
  // would run its queries on the app's event loop.
  console.log(`[bench] ${scenario} needs PostgreSQL (DATABASE_URL): skipped on PGlite`);
  scenarios.delete(scenario);
}

console.log(`[bench] ${JSON.stringify(machine())}`);
const size = { users, groups, memberships, seed };
const okta = await oktaDirectory(size, UNLIMITED);
const fake = okta.fake;
/** Okta's, and the other directories' whose scenarios run: each a sync of its own in the organization. */
const directories: BenchDirectory[] = [okta];
if (scenarios.has("entra")) directories.push(await entraDirectory(size));
if (scenarios.has("google")) directories.push(await googleDirectory(size));
const directoryOf = (provider: Provider) =>
  directories.find((d) => d.provider === provider) as BenchDirectory;
for (const d of directories)
  console.log(
    `[bench] fake ${d.label} ${d.url}: ${JSON.stringify(d.shape)}${d === okta ? " (memberships include Everyone's)" : ""}`,
  );
for (const d of directories) Object.assign(process.env, d.appEnv);

const SYNC_SETTINGS: SyncSettings = {
  enrollmentType: "ONLY_SYNC",
  uniqueField: "EMAIL",
  schedule: "OFF",
  deletionPolicy: "DELETE",
  safeguardPercent: 20,
  fullSyncEveryHours: 24,
  alertAfterFailures: 3,
  alertAfterHours: 24,
};

interface Prepared {
  organizationId: string;
  /** The Okta sync's. */
  userSyncId: string;
  syncs: Partial<Record<Provider, string>>;
}

/** The organization, its owner, a sync of each directory, and 1,000 past runs of Okta's for the history page. */
async function prepare(db: Db): Promise<Prepared> {
  const { organizationId } = await seedDemo(db, password);
  const owner = await db.user.findUniqueOrThrow({ where: { email: OWNER.email } });
  const member: MemberContext = {
    userId: owner.id,
    email: owner.email,
    name: owner.name,
    organizationId,
    organizationName: "Acme",
    role: "OWNER",
    memberships: [],
  };
  const syncs: Prepared["syncs"] = {};
  for (const d of directories) syncs[d.provider] = await d.createSync(db, member, SYNC_SETTINGS);
  const userSyncId = syncs.okta as string;
  const hour = 3_600_000;
  const base = Date.now() - 1001 * hour;
  await db.syncRun.createMany({
    data: Array.from({ length: 1000 }, (_, i) => ({
      organizationId,
      userSyncId,
      status: i % 50 === 7 ? ("FAILED" as const) : ("SUCCEEDED" as const),
      mode: i % 24 === 0 ? ("FULL" as const) : ("INCREMENTAL" as const),
      trigger: i % 24 === 0 ? ("MANUAL" as const) : ("SCHEDULED" as const),
      phase: "DONE",
      queuedAt: new Date(base + i * hour),
      startedAt: new Date(base + i * hour + 500),
      finishedAt: new Date(base + i * hour + 40_000),
      usersProcessed: 1000 + i,
      usersUpdated: i % 13,
      membershipsAdded: i % 7,
    })),
  });
  return { organizationId, userSyncId, syncs };
}

let databaseUrl: string;
let db: Db | null = null;
let ids: Prepared;
if (postgres && baseUrl) {
  databaseUrl = await freshPostgres(baseUrl, "bench");
  db = createDb(databaseUrl);
  ids = await prepare(db);
} else {
  let prepared: typeof ids | undefined;
  databaseUrl = await freshPglite(async (pgliteDb) => {
    prepared = await prepare(pgliteDb);
  });
  ids = prepared as typeof ids;
}
console.log(`[bench] database ${databaseUrl.replace(/\/\/[^@]*@/, "//")}`);

ensureBuild();
const runner = startRunnerProcess({
  port: runnerPort,
  appUrl: `${appUrl}/api/inngest`,
  dataDir: path.join(process.cwd(), ".data", "bench", "inngest-runner"),
  verbose: Boolean(args.verbose),
});
const profileDir = path.join(process.cwd(), ".data", "bench", "profiles");
const eventLoopLog = path.join(process.cwd(), ".data", "bench", "event-loop.jsonl");
mkdirSync(path.dirname(eventLoopLog), { recursive: true });
rmSync(eventLoopLog, { force: true });
const app = startApp({
  port: appPort,
  databaseUrl,
  runnerUrl,
  env: { NODE_ENV: "production", BENCH_EVENT_LOOP_LOG: eventLoopLog },
  nodeArgs: [
    "--import",
    path.join(import.meta.dirname, "event-loop-monitor.mjs"),
    ...(args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
  ],
  verbose: Boolean(args.verbose),
});
const stopAll = async () => {
  await app.stop();
  await runner.stop();
  for (const d of directories) await d.close();
  await db?.$disconnect();
};
process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));

interface RunnerRun {
  id: string;
  status: string;
  event: { name: string; data: Record<string, unknown> };
  createdAt: number;
  endedAt?: number;
  appRequests: number;
  history?: Record<string, unknown>;
}
const runnerJson = async <T>(route: string): Promise<T> =>
  (await fetch(`${runnerUrl}${route}`)).json() as Promise<T>;

try {
  await waitFor("the app", async () => (await fetch(`${appUrl}/sign-in`)).ok, 180_000, [app, runner]);
  await waitFor(
    "the runner to sync the app",
    async () => JSON.stringify(await runnerJson("/functions")).includes("user-sync/run"),
    60_000,
    [app, runner],
  );
} catch (error) {
  await stopAll();
  if (postgres && !args.keep) await dropDatabase(databaseUrl);
  throw error;
}
const cookie = await signIn(appUrl, OWNER.email, password);
// The SDK reads INNGEST_DEV when its client is created: import the dispatcher only now.
process.env.INNGEST_DEV = runnerUrl;
const { requestSyncRun } = await import("@/inngest/dispatch");

/** SYNC DATA as the page sends it: the server action over HTTP, with the session. */
async function syncDataAction(userSyncId: string, full: boolean): Promise<void> {
  const manifest = JSON.parse(
    readFileSync(path.join(process.cwd(), ".next/server/server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, { exportedName?: string }> };
  const actionId = Object.entries(manifest.node).find(([, a]) => a.exportedName === "startSyncAction")?.[0];
  if (!actionId) throw new Error("startSyncAction is not in the build's server-reference manifest");
  const form = new FormData();
  // React encodes a FormData argument as "$K<id>" and its fields under "_<id>_".
  form.set("_1_userSyncId", userSyncId);
  if (full) form.set("_1_full", "true");
  form.set("0", JSON.stringify([{ ok: false }, "$K1"]));
  const res = await fetch(`${appUrl}/user-management/user-sync/${userSyncId}`, {
    method: "POST",
    headers: { cookie, "next-action": actionId, accept: "text/x-component" },
    body: form,
  });
  const text = await res.text();
  if (!res.ok || !text.includes("Sync started"))
    throw new Error(`SYNC DATA answered ${res.status}: ${text.slice(0, 300)}`);
}

interface SyncFigures {
  scenario: string;
  [key: string]: unknown;
}

async function runSync(
  scenario: string,
  trigger: "MANUAL" | "SCHEDULED",
  { forceFull = false, directory = okta as BenchDirectory } = {},
): Promise<SyncFigures> {
  const userSyncId = ids.syncs[directory.provider] as string;
  directory.clearRequests();
  const before = postgres ? await tableWrites(databaseUrl) : {};
  const appMemory = new PeakMemory(app.pid);
  const runnerMemory = new PeakMemory(runner.pid);
  appMemory.start();
  runnerMemory.start();
  const load = loadavg();
  const t0 = Date.now();
  if (db) {
    const started = await requestSyncRun(db, {
      organizationId: ids.organizationId,
      userSyncId,
      trigger,
      startedById: null,
      forceFull,
    });
    if (started !== "started") throw new Error(`requestSyncRun: ${started}`);
  } else {
    await syncDataAction(userSyncId, forceFull);
  }
  // The runner's run of user-sync/run for this request, until it has ended (report included).
  let run: RunnerRun | undefined;
  await waitFor(
    `the ${scenario} run`,
    async () => {
      const runs = await runnerJson<RunnerRun[]>("/runs");
      run = runs.find((r) => r.event.name === "user-sync/run.requested" && r.createdAt >= t0 - 1000);
      return Boolean(run && ["Completed", "Failed", "Cancelled"].includes(run.status));
    },
    60 * 60_000,
  );
  const finished = run as RunnerRun;
  const endedAt = finished.endedAt ?? Date.now();
  const wallSeconds = (endedAt - t0) / 1000;
  const appPeak = appMemory.stop();
  const runnerPeak = runnerMemory.stop();
  const detail = await runnerJson<RunnerRun>(`/runs/${finished.id}`);
  const requests = directory.requests();
  const byFamily = Object.fromEntries(directory.families.map((family) => [family, 0]));
  for (const r of requests) {
    const family = directory.family(r.path);
    byFamily[family] = (byFamily[family] ?? 0) + 1;
  }
  const syncRunId = String(finished.event.data.syncRunId);
  const record = db ? await db.syncRun.findUniqueOrThrow({ where: { id: syncRunId } }) : null;
  let rowsByTable: Record<string, number> | null = null;
  if (postgres) {
    await delay(STATS_SETTLE_MS);
    rowsByTable = writesBetween(before, await tableWrites(databaseUrl));
  }
  const usersListed = record?.usersProcessed ?? directory.shape.users;
  return {
    scenario,
    directory: directory.provider,
    syncRunId,
    runnerStatus: finished.status,
    status: record?.status,
    mode: record?.mode,
    fallback: record?.fallback,
    logChanges: record?.logChanges,
    wallSeconds: round(wallSeconds),
    syncSeconds:
      record?.startedAt && record.finishedAt
        ? round((record.finishedAt.getTime() - record.startedAt.getTime()) / 1000)
        : null,
    usersListed,
    usersPerSecond: Math.round(usersListed / wallSeconds),
    orgUsersPerSecond: Math.round(directory.shape.users / wallSeconds),
    changes: record && {
      usersCreated: record.usersCreated,
      usersUpdated: record.usersUpdated,
      usersUnchanged: record.usersUnchanged,
      usersDeleted: record.usersDeleted,
      groupsCreated: record.groupsCreated,
      membershipsAdded: record.membershipsAdded,
      membershipsRemoved: record.membershipsRemoved,
    },
    inngestSteps: Object.keys(detail.history ?? {}).length,
    runnerAppRequests: detail.appRequests,
    directoryRequests: requests.length,
    directoryRequestsByFamily: byFamily,
    directoryRequestsCountedByRun: record?.oktaRequests,
    http429: requests.filter((r) => r.status === 429).length,
    dbRowsWritten: rowsByTable && Object.values(rowsByTable).reduce((a, b) => a + b, 0),
    dbRowsByTable: rowsByTable,
    appPeakMB: mb(appPeak),
    runnerPeakMB: mb(runnerPeak),
    appLongestBlockMs: longestBlockMs(eventLoopLog, t0, endedAt),
    loadavgBefore: load,
    loadavgAfter: loadavg(),
  };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Deterministic choices for the changes between syncs. */
function random(s: number) {
  let state = s >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Changes `share` of the users (a profile attribute) and of the memberships (half removed, half
 * added, in groups chosen by size, as real changes fall). The fake's clock stays on the app's: a
 * delta run reads the System Log up to its start on its own clock, as it would against Okta.
 */
function changeOrg(okta: FakeOkta, share: number) {
  const next = random(seed + 1);
  const dir = okta.directory;
  const changedUsers = Math.round(dir.users.length * share);
  const picked = new Set<number>();
  while (picked.size < changedUsers) picked.add(Math.floor(next() * dir.users.length));
  for (const i of picked) {
    const user = dir.users[i];
    if (user) dir.updateUser(user.id, { department: `Moved ${i}` });
  }
  const groupsWithMembers = dir.groups.filter((g) => g.members !== null);
  const total = groupsWithMembers.reduce((sum, g) => sum + (g.members?.length ?? 0), 0);
  const changes = Math.round(total * share);
  const pickGroup = () => {
    let at = Math.floor(next() * total);
    for (const g of groupsWithMembers) {
      at -= g.members?.length ?? 0;
      if (at < 0) return g;
    }
    return groupsWithMembers[0];
  };
  let removed = 0;
  let added = 0;
  while (removed + added < changes) {
    const group = pickGroup();
    if (!group?.members) continue;
    if (removed <= added && group.members.length > 0) {
      const member = group.members[Math.floor(next() * group.members.length)] as string;
      dir.removeMember(group.id, member);
      removed++;
    } else {
      const user = dir.users[Math.floor(next() * dir.users.length)];
      if (!user || group.members.includes(user.id)) continue;
      dir.addMember(group.id, user.id);
      added++;
    }
  }
  return { usersChanged: changedUsers, membershipsRemoved: removed, membershipsAdded: added };
}

/** The Users page (busy), loaded by one admin a request at a time, this long apart. */
const USERS_PAGE = "/user-management/users";
const ADMIN_PAUSE_MS = 200;
const IDLE_REQUESTS = 50;

/**
 * Forgets what the sync imported and when it last ran, so its next run does a first sync's work.
 * VACUUM too: statistics of the emptied tables whose pages still hold the deleted rows tell the
 * planner they stay empty however they grow, and the import's Everyone reconciliation then ran as
 * a nested loop for a quarter of an hour.
 */
async function forgetImports(database: Db, userSyncId: string): Promise<void> {
  await database.directoryUser.deleteMany({ where: { userSyncId } });
  await database.userGroup.deleteMany({ where: { userSyncId } });
  await database.userSync.update({
    where: { id: userSyncId },
    data: { lastSyncedFrom: null, lastFullSyncAt: null },
  });
  await database.$executeRaw`VACUUM ANALYZE "DirectoryUser", "GroupMembership", "UserGroup"`;
}

/**
 * One CSV export downloaded by the Owner: its rows a second, and the app's memory while it ran
 * (resident and JavaScript heap, each before and at its peak).
 */
async function timeExport(name: string, route: string, bytesPerSecond?: number) {
  // The heap the app held in the seconds before: its idle level, for comparison.
  const idleFrom = Date.now();
  await delay(2500);
  const memory = new PeakMemory(app.pid);
  const rssBefore = memory.start();
  const load = loadavg();
  const t0 = Date.now();
  const download = await downloadCsv(appUrl, route, cookie, bytesPerSecond);
  const t1 = Date.now();
  const rssPeak = memory.stop();
  await delay(1100); // the monitor's line for the last second
  const heap = (from: number, to: number) => {
    const peak = peakHeap(eventLoopLog, from, to);
    return {
      used: peak && mb(peak.usedBytes),
      live: peak?.liveAfterGcBytes ? mb(peak.liveAfterGcBytes) : null,
    };
  };
  const [before, during] = [heap(idleFrom, t0 - 1000), heap(t0, t1)];
  return {
    scenario: "export",
    export: name,
    path: route,
    ...download,
    rowsPerSecond: Math.round(download.rows / download.seconds),
    appRssBeforeMB: mb(rssBefore),
    appPeakMB: mb(rssPeak),
    appHeapBeforeMB: before.used,
    appPeakHeapMB: during.used,
    appLiveHeapAfterGcMB: during.live,
    appLongestBlockMs: longestBlockMs(eventLoopLog, t0, t1),
    loadavgBefore: load,
  };
}

const results: SyncFigures[] = [];
const exportFigures: Awaited<ReturnType<typeof timeExport>>[] = [];
const pages: PageTiming[] = [];
let usersPage: Record<"during" | "idle", ReturnType<typeof sampleStats>> | null = null;
try {
  if (scenarios.has("first")) results.push(await runSync("first full sync", "MANUAL"));
  if (scenarios.has("nochange")) {
    results.push(await runSync("Full resync, no change", "MANUAL", { forceFull: true }));
    results.push(await runSync("SYNC DATA, no change (delta)", "MANUAL"));
  }
  if (scenarios.has("scheduled")) results.push(await runSync("scheduled sync, no change", "SCHEDULED"));
  if (scenarios.has("incremental")) {
    const changed = changeOrg(fake, changeShare);
    console.log(`[bench] changed in Okta: ${JSON.stringify(changed)}`);
    // Changes dated after the last run's start, before this one's.
    await delay(1000);
    results.push({
      ...(await runSync(`delta after ${changeShare * 100}% changed`, "SCHEDULED")),
      changed,
    });
  }
  if (scenarios.has("ratelimited")) {
    // A fresh minute on the fake's clock, so every family starts with its whole budget.
    fake.advanceClock(60_000 - (fake.now() % 60_000) + 10);
    fake.setRateLimits({ ...OKTA_LIMITS, other: 100, concurrency: 75 });
    results.push(await runSync("SYNC DATA, no change, Okta rate limits", "MANUAL"));
    fake.advanceClock(60_000 - (fake.now() % 60_000) + 10);
    // Every group's members read, as in a first sync (unchanged groups are otherwise skipped).
    await db?.userGroup.updateMany({
      where: { userSyncId: ids.userSyncId },
      data: { membershipsUpdatedAt: null },
    });
    const figures = await runSync("full sync, Okta rate limits", "MANUAL", { forceFull: true });
    fake.setRateLimits(UNLIMITED);
    const families = figures.directoryRequestsByFamily as Record<"users" | "groups", number>;
    // Families are paced apart; the run lists users, then groups, then members, so the bound adds up.
    const raw = (families.users / OKTA_LIMITS.users + families.groups / OKTA_LIMITS.groups) * 60;
    const reserve = raw / (1 - DEFAULT_RESERVE_SHARE);
    const parallel = Math.max(families.users / OKTA_LIMITS.users, families.groups / OKTA_LIMITS.groups) * 60;
    results.push({
      ...figures,
      limits: OKTA_LIMITS,
      boundSeconds: round(raw),
      boundWithReserveSeconds: round(reserve),
      boundIfFamiliesOverlappedSeconds: round(parallel),
      ratioToBound: round((figures.wallSeconds as number) / raw),
      ratioToBoundWithReserve: round((figures.wallSeconds as number) / reserve),
    });
  }
  for (const provider of ["entra", "google"] as const) {
    if (!scenarios.has(provider)) continue;
    const directory = directoryOf(provider);
    results.push(await runSync(`${directory.label}: first full sync`, "MANUAL", { directory }));
    results.push(await runSync(`${directory.label}: SYNC DATA, no change`, "MANUAL", { directory }));
    const changed = Math.ceil(size.users / 100);
    directory.change?.(changed);
    results.push(
      await runSync(`${directory.label}: SYNC DATA, ${changed} users and 10 groups changed`, "MANUAL", {
        directory,
      }),
    );
  }
  if (scenarios.has("busy") && db) {
    await forgetImports(db, ids.userSyncId);
    let ended = false;
    const during = samplePage(appUrl, USERS_PAGE, cookie, ADMIN_PAUSE_MS, () => ended);
    const figures = await runSync("first full sync, Users page timed", "MANUAL").finally(() => {
      ended = true;
    });
    const run = await db.syncRun.findUniqueOrThrow({ where: { id: String(figures.syncRunId) } });
    const [from, to] = [run.startedAt?.getTime() ?? 0, run.finishedAt?.getTime() ?? Date.now()];
    const samples = (await during).filter((s) => s.at >= from && s.at <= to);
    const idle = await samplePage(
      appUrl,
      USERS_PAGE,
      cookie,
      ADMIN_PAUSE_MS,
      (s) => s.length >= IDLE_REQUESTS,
    );
    usersPage = { during: sampleStats(samples), idle: sampleStats(idle) };
    results.push({ ...figures, usersPageDuringSync: usersPage.during, usersPageIdle: usersPage.idle });
  }
  if (scenarios.has("export")) {
    let first = results.find((r) => r.scenario.startsWith("first full sync"));
    if (!first) {
      first = await runSync("first full sync", "MANUAL");
      results.push(first);
    }
    const changes = `/api/sync-runs/${first.syncRunId}/export?items=changes`;
    const downloads: [string, string, number?][] = [
      ["Users, every one", "/api/users/export"],
      ["Users, every one, a client reading 1 MB/s", "/api/users/export", 1_000_000],
      ['Users, search "smith"', "/api/users/export?q=smith"],
      ["first full sync's changes", changes],
    ];
    for (const [name, route, bytesPerSecond] of downloads)
      exportFigures.push(await timeExport(name, route, bytesPerSecond));
  }
  for (const r of results) print(r);
  for (const e of exportFigures) print(e);

  if (scenarios.has("pages")) {
    const requests = Number(args["page-requests"]);
    const targets: [string, string][] = [["Users: first page", "/user-management/users"]];
    const sample = fake.directory.users[Math.floor(fake.directory.users.length / 2)];
    const term = String(sample?.profile.login ?? "smith").split("@")[0] as string;
    targets.push([`Users: search "${term}"`, `/user-management/users?q=${encodeURIComponent(term)}`]);
    targets.push(['Users: search "smith"', "/user-management/users?q=smith"]);
    if (db) {
      const bySize = await db.userGroup.findMany({
        where: { organizationId: ids.organizationId, type: { not: "BUILT_IN" } },
        orderBy: [{ memberCount: "desc" }, { id: "asc" }],
        select: { id: true, memberCount: true },
      });
      const large = bySize[0];
      const small = bySize.at(-Math.max(1, Math.floor(bySize.length / 10)));
      if (large)
        targets.push([`Users: group of ${large.memberCount}`, `/user-management/users?group=${large.id}`]);
      if (small)
        targets.push([`Users: group of ${small.memberCount}`, `/user-management/users?group=${small.id}`]);
      const total = await db.directoryUser.count({ where: { organizationId: ids.organizationId } });
      const deep = await db.directoryUser.findFirst({
        where: { organizationId: ids.organizationId },
        orderBy: [{ nameSortKey: "asc" }, { id: "asc" }],
        skip: Math.floor(total * 0.9),
        select: { id: true, nameSortKey: true },
      });
      if (deep)
        targets.push([
          `Users: deep page (row ${Math.floor(total * 0.9)})`,
          `/user-management/users?after=${encodeCursor(deep.nameSortKey, deep.id)}`,
        ]);
    }
    targets.push(["User Sync detail, 1,000+ runs", `/user-management/user-sync/${ids.userSyncId}`]);
    for (const [page, route] of targets) {
      const timing = await timePage(appUrl, page, route, cookie, requests);
      pages.push(timing);
      print({ scenario: "page", ...timing, loadavg: loadavg() });
    }
  }

  for (const d of directories)
    console.log(
      `\n${d.label}: ${d.shape.users} users, ${d.shape.groups} groups, ${d.shape.memberships} memberships`,
    );
  console.log(`load ${loadavg()}`);
  if (results.length > 0) {
    console.log(
      `\n${textTable(
        [
          "scenario",
          "wall s",
          "users/s",
          "steps",
          "dir req",
          "429",
          "DB rows",
          "app MB",
          "runner MB",
          "loop ms",
          "load",
        ],
        results.map((r) => [
          r.scenario,
          String(r.wallSeconds),
          String(r.usersPerSecond),
          String(r.inngestSteps),
          String(r.directoryRequests),
          String(r.http429),
          String(r.dbRowsWritten ?? "n/a"),
          String(r.appPeakMB),
          String(r.runnerPeakMB),
          String(r.appLongestBlockMs ?? "n/a"),
          String(r.loadavgBefore),
        ]),
      )}`,
    );
    console.log("loop ms: the longest the app's event loop was held while the sync ran");
    if (usersPage) {
      const { during, idle } = usersPage;
      console.log(
        `busy: Users page p95 ${during.p95Ms} ms during the sync (median ${during.medianMs}, max ${during.maxMs}, ` +
          `${during.requests} requests, ${during.errors} errors), ${idle.p95Ms} ms idle (median ${idle.medianMs})`,
      );
    }
    const limited = results.find((r) => r.boundSeconds !== undefined);
    if (limited)
      console.log(
        `rate-limited: bound ${limited.boundSeconds} s raw, ${limited.boundWithReserveSeconds} s with the ` +
          `${DEFAULT_RESERVE_SHARE * 100}% reserve; ` +
          `ratio ${limited.ratioToBound} / ${limited.ratioToBoundWithReserve}`,
      );
  }
  if (exportFigures.length > 0)
    console.log(
      `\n${textTable(
        [
          "export",
          "rows",
          "MB",
          "s",
          "rows/s",
          "first byte ms",
          "app MB (before)",
          "heap MB (before)",
          "live heap MB",
          "loop ms",
        ],
        exportFigures.map((e) => [
          e.export,
          e.rows,
          mb(e.bytes),
          e.seconds,
          e.rowsPerSecond,
          e.firstByteMs,
          `${e.appPeakMB} (${e.appRssBeforeMB})`,
          `${e.appPeakHeapMB} (${e.appHeapBeforeMB})`,
          String(e.appLiveHeapAfterGcMB ?? "no full GC"),
          String(e.appLongestBlockMs),
        ]),
      )}`,
    );
  if (pages.length > 0)
    console.log(
      `\n${textTable(
        ["page", "median ms", "p95 ms", "requests", "errors"],
        pages.map((p) => [p.page, p.medianMs, p.p95Ms, p.requests, p.errors]),
      )}`,
    );
} finally {
  await stopAll();
  if (postgres && !args.keep) await dropDatabase(databaseUrl);
}
