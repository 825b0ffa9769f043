import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import type { Run } from "../types";

const ROOT = path.resolve(import.meta.dirname, "../../..");

export interface AppProcess {
  origin: string;
  /** What the process printed on stderr, for failure messages. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts app-process.ts (the contract functions behind the real serve()) in a child process with tsx. */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const child: ChildProcess = spawn(
    path.join(ROOT, "node_modules/.bin/tsx"),
    [path.join(ROOT, "inngest/runner/testing/app-process.ts")],
    { cwd: ROOT, env: { ...process.env, PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = once(child, "exit");
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    exited.then(() => reject(new Error(`app process exited before listening:\n${stderr}`)));
  });
  const { origin } = JSON.parse(await firstLine) as { origin: string };
  return {
    origin,
    stderr: () => stderr,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
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

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
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
