import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import type { Run } from "../types";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** A test's child process: a tsx script that prints a line announcing its URL. */
export interface ChildService {
  url: string;
  /** What the process printed on stderr, for failure messages. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

async function spawnTsx(
  script: string,
  args: string[],
  env: Record<string, string>,
  readUrl: (line: string) => string | undefined,
): Promise<ChildService> {
  // One process (node with tsx's loader), not tsx's CLI, which runs the script in a child of its own
  // that a SIGKILL would orphan.
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const found = readUrl(line);
      if (found) resolve(found);
    });
    exited.then(() => reject(new Error(`${script} exited before it was ready:\n${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
}

/** Starts app-process.ts (the contract functions behind the real serve()); `url` is its origin. */
export function startAppProcess(env: Record<string, string>, port = 0): Promise<ChildService> {
  return spawnTsx(
    "scripts/inngest-runner/testing/app-process.ts",
    [],
    { ...env, PORT: String(port) },
    (line) => (line.startsWith('{"origin"') ? (JSON.parse(line) as { origin: string }).origin : undefined),
  );
}

/** Starts sync-app-process.ts (the app's real /api/inngest route); `url` is its origin. */
export function startSyncAppProcess(env: Record<string, string>, port = 0): Promise<ChildService> {
  return spawnTsx(
    "scripts/inngest-runner/testing/sync-app-process.ts",
    [],
    { ...env, PORT: String(port) },
    (line) => (line.startsWith('{"origin"') ? (JSON.parse(line) as { origin: string }).origin : undefined),
  );
}

/** Starts the runner as `npm run inngest:runner` does (cli.ts), with the fast backoff; `url` is where it listens. */
export function startRunnerProcess(args: string[]): Promise<ChildService> {
  return spawnTsx(
    "scripts/inngest-runner/cli.ts",
    args,
    { INNGEST_RUNNER_BACKOFF: "fast" },
    (line) => /Listening on (http:\/\/[^;\s]+);/.exec(line)?.[1],
  );
}

/** A port that was free a moment ago, for a process another must know the URL of before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Out-of-band sync, as a deploy does it: PUT to the app's serve endpoint, which registers with INNGEST_DEV. */
export async function syncApp(serveUrl: string): Promise<void> {
  const res = await fetch(serveUrl, { method: "PUT" });
  if (!res.ok) throw new Error(`sync of ${serveUrl} failed: ${res.status} ${await res.text()}`);
}

export async function sendEvent(runnerUrl: string, event: { name: string; data: Record<string, unknown> }) {
  const res = await fetch(`${runnerUrl}/e/test-key`, { method: "POST", body: JSON.stringify(event) });
  const body = (await res.json()) as { ids: string[]; status: number };
  if (body.status !== 200) throw new Error(`event refused: ${JSON.stringify(body)}`);
  return body.ids[0] as string;
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls until `probe` gives a value; a probe that throws (e.g. a server restarting) is tried again. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`, { cause: lastError });
    await delay(20);
  }
}

type RunSummary = Omit<Run, "steps" | "stack" | "waits" | "requests" | "history"> & { eventName: string };

/** The run a function started for an event, once it exists. */
export function runFor(runnerUrl: string, functionId: string, eventId: string): Promise<RunSummary> {
  return waitFor(async () =>
    (await getJson<RunSummary[]>(`${runnerUrl}/runs`)).find(
      (r) => r.functionId === functionId && r.event.id === eventId,
    ),
  );
}

const FINISHED = ["Completed", "Failed", "Cancelled"];

/** The run, once it has ended. */
export function finishedRun(runnerUrl: string, runId: string, timeoutMs?: number): Promise<Run> {
  return waitFor(async () => {
    const run = await getJson<Run>(`${runnerUrl}/runs/${runId}`);
    return FINISHED.includes(run.status) ? run : undefined;
  }, timeoutMs);
}
