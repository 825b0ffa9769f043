// The whole product for the hardening specs, started by the spec's worker: a production build
// (`next start`) on a fresh PostgreSQL database, the local Inngest runner driving its real
// /api/inngest, a demo Entra ID tenant and Google Workspace (the fakes: the app reaches Microsoft
// and Google only there, so they start with it), and the app's output captured (the secrets spec
// searches it). The shared e2e server
// has none of these: no runner, no database a test can read while the app runs (PGlite), no log.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { createDb, type Db } from "@/lib/db";
import { type FakeEntra, startFakeEntra } from "@/scripts/fake-entra";
import { type FakeGoogle, startFakeGoogle } from "@/scripts/fake-google";
import { type Runner, startRunner } from "@/scripts/inngest-runner";
import { freePort, syncApp } from "@/scripts/inngest-runner/testing/harness";
import { freshPostgres } from "@/test-support/postgres";

export interface Stack {
  url: string;
  /** The app's database, for arranging data and checking side effects. */
  db: Db;
  runner: Runner;
  /** The demo Entra ID tenant the app's ENTRA_DEV_URL points at: its URL (for `/__admin/`) and what an admin types. */
  entra: DemoEntra;
  /** The demo Google Workspace the app's GOOGLE_DEV_URL points at. */
  google: DemoGoogle;
  /** Where the runner keeps its run state (JSON files). */
  runnerDataDir: string;
  /** A 32-byte key the app encrypts tokens with: `kid:<base64>`. */
  encryptionKeys: string;
  /** Everything the app printed on stdout and stderr so far. */
  output(): string;
  /** The app's environment (secrets, database, runner), for a second app on the same stack. */
  environment: Record<string, string>;
  stop(): Promise<void>;
}

export interface DemoEntra {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface DemoGoogle {
  url: string;
  /** The demo service account's JSON key file. */
  key: string;
  adminEmail: string;
}

const ROOT = path.resolve(import.meta.dirname, "../..");
const OUTPUT_FILE = path.join(ROOT, "e2e", ".output", "stack-app.log");

async function waitUntilUp(url: string, app: ChildProcess, output: () => string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 90_000; await delay(250)) {
    if (app.exitCode !== null) throw new Error(`next start exited (${app.exitCode}):\n${output()}`);
    const ok = await fetch(`${url}/sign-in`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
  }
  throw new Error(`next start did not answer within 90 s:\n${output()}`);
}

export interface App {
  url: string;
  /** Everything the app printed on stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `next start` on a free port with the given environment (on top of this process's). */
export async function startApp(env: (url: string) => Record<string, string>, port?: number): Promise<App> {
  port ??= await freePort();
  const url = `http://localhost:${port}`;
  const chunks: string[] = [];
  const output = () => chunks.join("");
  const app = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "--port", String(port)],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        CHECKPOINT_DISABLE: "1",
        ...env(url),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  app.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  app.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = once(app, "exit");
  await waitUntilUp(url, app, output);
  return {
    url,
    output,
    stop: async () => {
      if (app.exitCode === null) {
        app.kill("SIGTERM");
        await exited;
      }
    },
  };
}

export async function startStack(): Promise<Stack> {
  // These specs read the app's database while it runs, which an embedded PGlite cannot share:
  // without DATABASE_URL they use the machine's PostgreSQL (TEST_POSTGRES_URL).
  const fromEnv = process.env.DATABASE_URL;
  const base = fromEnv?.startsWith("postgres")
    ? fromEnv
    : process.env.TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const databaseUrl = await freshPostgres(base, "e2e_stack");
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "e2e-stack-runner-"));
  // The runner must know the app's URL before the app starts, and the app the runner's.
  const runner = await startRunner({
    port: 0,
    dataDir,
    appUrl: `http://localhost:${port}/api/inngest`,
    backoff: "fast",
    unreachableRetryMs: 200,
    log: () => {},
  });
  const [entra, google]: [FakeEntra, FakeGoogle] = await Promise.all([
    startFakeEntra({ users: 12, groups: 3, seed: 19 }),
    startFakeGoogle({ users: 12, groups: 3, seed: 19 }),
  ]);
  const encryptionKeys = `e2e:${randomBytes(32).toString("base64")}`;
  const environment: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: "5",
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_TRUST_HOST: "true",
    INNGEST_DEV: runner.url,
    OKTA_ALLOW_INSECURE_LOCALHOST: "1",
    ENTRA_DEV_URL: entra.url,
    GOOGLE_DEV_URL: google.url,
    // A production build against the local runner and the fakes: the development switches above are meant.
    ALLOW_DEVELOPMENT_SWITCHES_IN_PRODUCTION: "1",
    TOKEN_ENCRYPTION_KEYS: encryptionKeys,
    RESEND_API_KEY: "",
  };
  const app = await startApp(
    (url) => ({ ...environment, AUTH_URL: url, APP_URL: url, PORT: String(port) }),
    port,
  );
  const { url, output } = app;
  await syncApp(`${url}/api/inngest`);
  const db = createDb(databaseUrl);
  return {
    url,
    db,
    runner,
    entra: {
      url: entra.url,
      tenantId: entra.tenantId,
      clientId: entra.app.clientId,
      clientSecret: entra.app.secrets[0]?.value ?? "",
    },
    google: { url: google.url, key: google.demoKey, adminEmail: google.adminEmail },
    runnerDataDir: dataDir,
    encryptionKeys,
    output,
    environment,
    stop: async () => {
      await runner.close();
      await app.stop();
      await Promise.all([entra.close(), google.close()]);
      await db.$disconnect();
      mkdirSync(path.dirname(OUTPUT_FILE), { recursive: true });
      writeFileSync(OUTPUT_FILE, output());
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
