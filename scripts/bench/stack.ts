import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { type Db, prepareEmbeddedDatabase } from "@/lib/db";
import { localEnvironment } from "@/scripts/local-env";

const root = process.cwd();

/** A fresh embedded PGlite directory, migrated; `prepare` runs on it before it is closed for the app. */
export const freshPglite = (prepare: (db: Db) => Promise<void>) =>
  prepareEmbeddedDatabase(path.join(root, ".data", "bench", "pglite"), prepare);

/** The newest modification time of the sources a build is made of. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** A production build (`next build`) unless one exists that is newer than every source. */
export function ensureBuild(): void {
  const buildId = path.join(root, ".next", "BUILD_ID");
  const sources = ["app", "components", "emails", "inngest", "lib"].map((d) => path.join(root, d));
  const stale =
    existsSync(buildId) &&
    Math.max(...sources.filter(existsSync).map(newestSource)) > statSync(buildId).mtimeMs;
  if (existsSync(buildId) && !stale) return;
  console.log(
    `[bench] ${stale ? "the production build is older than the sources" : "no production build"}: running next build`,
  );
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed");
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** A child process with its output prefixed (errors always; everything with --verbose). */
function start(name: string, args: string[], env: NodeJS.ProcessEnv, verbose: boolean): Proc {
  const child = spawn(process.execPath, args, { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .trimEnd()
      .split("\n")
      .map((line) => `[${name}] ${line}`)
      .join("\n");
  child.stdout?.on("data", (chunk: Buffer) => verbose && console.log(prefix(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => console.error(prefix(chunk)));
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  return {
    child,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, delay(10_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** The local Inngest runner in a process of its own (`tsx scripts/inngest-runner/cli.ts`), so its memory is its own. */
export function startRunnerProcess(options: {
  port: number;
  appUrl: string;
  dataDir: string;
  verbose: boolean;
}) {
  rmSync(options.dataDir, { recursive: true, force: true });
  return start(
    "runner",
    [
      "--import",
      "tsx",
      "scripts/inngest-runner/cli.ts",
      "--port",
      String(options.port),
      "--app",
      options.appUrl,
      "--data-dir",
      options.dataDir,
    ],
    process.env,
    options.verbose,
  );
}

/** `next start` on the production build, with what the stack needs (as e2e/support/serve.ts). */
export function startApp(options: {
  port: number;
  databaseUrl: string;
  runnerUrl: string;
  env: NodeJS.ProcessEnv;
  verbose: boolean;
  /** Node's own flags, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}) {
  const env: NodeJS.ProcessEnv = {
    ...localEnvironment(options.port),
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    NODE_ENV: "production",
    INNGEST_DEV: options.runnerUrl,
    OKTA_ALLOW_INSECURE_LOCALHOST: "1",
    ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION: "1",
    RESEND_API_KEY: "",
  };
  return start(
    "app",
    [
      ...(options.nodeArgs ?? []),
      path.join(root, "node_modules/next/dist/bin/next"),
      "start",
      "--port",
      String(options.port),
    ],
    env,
    options.verbose,
  );
}

/** Polls until `ready` holds (or throws after `timeoutMs`). */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs = 120_000,
  alive: Proc[] = [],
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const exited = alive.find((p) => p.child.exitCode !== null);
    if (exited)
      throw new Error(`Waiting for ${what}: process ${exited.pid} exited (${exited.child.exitCode})`);
    try {
      if (await ready()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await delay(250);
  }
}
