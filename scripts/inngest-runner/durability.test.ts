import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startRunner } from "./index";
import { lines } from "./testing/fixtures";
import {
  type ChildService,
  finishedRun,
  freePort,
  getJson,
  runFor,
  sendEvent,
  startAppProcess,
  startRunnerProcess,
  waitFor,
} from "./testing/harness";
import type { Run } from "./types";

// Crashes and restarts: the app killed mid-step, the runner restarted mid-run. Runs are kept on
// disk and resumed; a completed step is never run again.
let dir: string;
const cleanups: Array<() => Promise<void>> = [];
const fast = { backoff: "fast" as const, unreachableRetryMs: 50, syncIntervalMs: 100, log: () => {} };
const portOf = (url: string) => Number(new URL(url).port);
const count = (entries: string[], line: string) => entries.filter((e) => e === line).length;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "runner-durability-"));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function app(env: Record<string, string>, port = 0): Promise<ChildService> {
  const started = await startAppProcess(env, port);
  cleanups.push(() => started.kill("SIGKILL"));
  return started;
}

describe("durability", () => {
  it("finishes a run after the app is killed (SIGKILL) mid-step and restarted: each step's effect once", async () => {
    const log = path.join(dir, "log.txt");
    const release = path.join(dir, "release");
    // Each must know the other's URL before it starts: the runner gets a free port first.
    const runnerPort = await freePort();
    const first = await app({ INNGEST_DEV: `http://127.0.0.1:${runnerPort}` });
    const appUrl = `${first.url}/api/contract`;
    const runner = await startRunner({ port: runnerPort, dataDir: path.join(dir, "data"), appUrl, ...fast });
    cleanups.push(() => runner.close());
    await waitFor(async () => (await getJson<unknown[]>(`${runner.url}/functions`)).length > 0);

    const eventId = await sendEvent(runner.url, { name: "contract/blocking", data: { log, release } });
    const { id } = await runFor(runner.url, "runner-contract-blocking", eventId);
    await waitFor(() => lines(log).includes("two:started"));
    await first.kill("SIGKILL");

    // Same URL, as a restarted dev server comes back: the runner's periodic in-band sync finds it.
    await app({ INNGEST_DEV: runner.url }, portOf(first.url));
    await waitFor(() => count(lines(log), "two:started") === 2);
    writeFileSync(release, "");

    const done = await finishedRun(runner.url, id);
    expect(done).toMatchObject({ status: "Completed", output: "done" });
    expect(lines(log)).toEqual(["one", "two:started", "two:started", "two", "three"]);
  });

  it("resumes a sleeping run after the runner restarts, keeping the steps it had", async () => {
    const dataDir = path.join(dir, "data");
    const runnerPort = await freePort();
    const server = await app({ INNGEST_DEV: `http://127.0.0.1:${runnerPort}` });
    const appUrl = `${server.url}/api/contract`;
    const first = await startRunner({ port: runnerPort, dataDir, appUrl, ...fast });
    await waitFor(async () => (await getJson<unknown[]>(`${first.url}/functions`)).length > 0);
    const eventId = await sendEvent(first.url, { name: "contract/sleep", data: {} });
    const { id } = await runFor(first.url, "runner-contract-sleep", eventId);
    const parked = await waitFor(async () => {
      const run = await getJson<Run>(`${first.url}/runs/${id}`);
      return Object.keys(run.waits).length > 0 ? run : undefined;
    });
    await first.close();

    const second = await startRunner({ port: portOf(first.url), dataDir, appUrl, ...fast });
    cleanups.push(() => second.close());
    const done = await finishedRun(second.url, id);
    expect(done.status).toBe("Completed");
    expect((done.output as { slept: number }).slept).toBeGreaterThanOrEqual(1000);
    const before = Object.values(parked.steps)[0];
    expect(done.steps).toMatchObject(parked.steps);
    expect(before).toEqual({ type: "data", data: expect.any(Number) });
  });

  it("resumes a run after the runner process is killed (SIGKILL) mid-step; steps completed before the kill do not run again", async () => {
    const dataDir = path.join(dir, "data");
    const log = path.join(dir, "log.txt");
    const release = path.join(dir, "release");
    const runnerPort = await freePort();
    const server = await app({ INNGEST_DEV: `http://127.0.0.1:${runnerPort}` });
    const appUrl = `${server.url}/api/contract`;
    const args = ["--port", String(runnerPort), "--data-dir", dataDir, "--app", appUrl];

    const first = await startRunnerProcess(args);
    cleanups.push(() => first.kill("SIGKILL"));
    await waitFor(async () => (await getJson<unknown[]>(`${first.url}/functions`)).length > 0);
    const eventId = await sendEvent(first.url, { name: "contract/blocking", data: { log, release } });
    const { id } = await runFor(first.url, "runner-contract-blocking", eventId);
    await waitFor(() => lines(log).includes("two:started"));
    await first.kill("SIGKILL");

    const second = await startRunnerProcess(args);
    cleanups.push(() => second.kill());
    writeFileSync(release, "");
    const done = await finishedRun(second.url, id);
    expect(done).toMatchObject({ status: "Completed", output: "done" });
    const entries = lines(log);
    expect(count(entries, "one")).toBe(1);
    expect(count(entries, "three")).toBe(1);
    // The step in flight when the runner died ran to its end in the app, but its result never
    // reached a runner: it runs again (at least once, as with any executor that crashes).
    expect(count(entries, "two")).toBeGreaterThanOrEqual(1);
  });
});
