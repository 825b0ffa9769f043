import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Runner, startRunner } from "./index";
import { INNGEST_BACKOFF_MS } from "./limits";
import type { App } from "./registry";
import { lines } from "./testing/fixtures";
import {
  type ChildService,
  finishedRun,
  getJson,
  runFor,
  sendEvent,
  startAppProcess,
  syncApp,
  waitFor,
} from "./testing/harness";
import type { Run } from "./types";

// The real serve() from inngest/next, in its own process, in cloud mode (INNGEST_SIGNING_KEY, no
// INNGEST_DEV): it accepts only requests signed with the key, as Inngest Cloud signs them.
const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
let dir: string;
let runner: Runner;
let app: ChildService;
let logCount = 0;
const runnerLog: string[] = [];
const newLog = () => path.join(dir, `log-${logCount++}.txt`);
const fn = (id: string) => `runner-contract-${id}`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "runner-contract-"));
  runner = await startRunner({
    port: 0,
    dataDir: path.join(dir, "data"),
    backoff: "fast",
    signingKey,
    log: (message) => runnerLog.push(message),
  });
  app = await startAppProcess({
    INNGEST_SIGNING_KEY: signingKey,
    INNGEST_EVENT_KEY: "contract-event-key",
    INNGEST_BASE_URL: runner.url,
  });
  await syncApp(`${app.url}/api/contract`);
});
afterAll(async () => {
  await app?.kill();
  await runner?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a contract function to its end; the limit tests move megabytes, slow on a busy machine. */
async function run(id: string, data: Record<string, unknown>, timeoutMs = 45_000): Promise<Run> {
  const eventId = await sendEvent(runner.url, { name: `contract/${id}`, data });
  const summary = await runFor(runner.url, fn(id), eventId);
  return finishedRun(runner.url, summary.id, timeoutMs);
}

describe("local runner driving serve() over HTTP", () => {
  it("registers the app's functions out-of-band", async () => {
    const apps = await getJson<App[]>(`${runner.url}/functions`);
    expect(apps).toHaveLength(1);
    expect(apps[0]?.appName).toBe("runner-contract");
    expect(apps[0]?.url).toBe(`${app.url}/api/contract`);
    expect(apps[0]?.functions.map((f) => f.id)).toContain(fn("steps"));
  });

  it("runs steps one at a time, memoizing each result under the SDK's sha1 step id", async () => {
    const log = newLog();
    const done = await run("steps", { log });
    expect(done.status).toBe("Completed");
    expect(done.output).toEqual({ a: 1, b: 2 });
    expect(lines(log)).toEqual(["a", "b"]);
    const { createHash } = await import("node:crypto");
    const sha1 = (id: string) => createHash("sha1").update(id).digest("hex");
    expect(done.steps).toEqual({
      [sha1("a")]: { type: "data", data: 1 },
      [sha1("b")]: { type: "data", data: 2 },
    });
    expect(done.stack).toEqual([sha1("a"), sha1("b")]);
    for (const step of Object.values(done.history)) {
      expect(step).toMatchObject({ status: "completed", attempts: 1 });
      expect(step.startedAt).toBeGreaterThanOrEqual(done.createdAt);
      expect(step.endedAt).toBeGreaterThanOrEqual(step.startedAt);
      expect(step.endedAt).toBeLessThanOrEqual(done.endedAt ?? 0);
    }
  });

  it("runs a long function in few requests: the SDK checkpoints each step to the runner", async () => {
    const done = await run("many", { count: 100 });
    expect(done.status).toBe("Completed");
    expect(done.output).toEqual({ cursor: 100 });
    expect(Object.keys(done.steps)).toHaveLength(100);
    expect(done.appRequests).toBeLessThanOrEqual(5);
  });

  it("retries a failing step with backoff until it succeeds, each attempt numbered", async () => {
    const log = newLog();
    const done = await run("retry", { log, failTimes: 2 });
    expect(done.status).toBe("Completed");
    expect(done.output).toEqual({ attempt: 2 });
    expect(lines(log).map((l) => l.split(":")[1])).toEqual(["0", "1", "2"]);
    expect(Object.values(done.history)).toEqual([
      expect.objectContaining({ name: "flaky", status: "completed", attempts: 3 }),
    ]);
  });

  it("waits as long as retry-after says, not the (short) backoff", async () => {
    const log = newLog();
    const done = await run("retry", { log, failTimes: 1, retryAfter: "1s" });
    expect(done.status).toBe("Completed");
    const [first, second] = lines(log).map((l) => Number(l.split(":")[2]));
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("retries an error thrown outside any step, as a new attempt of the function", async () => {
    const log = newLog();
    const done = await run("body-retry", { log });
    expect(done.status).toBe("Completed");
    expect(done.output).toEqual({ attempt: 1 });
    expect(lines(log)).toEqual(["body:0", "body:1"]);
  });

  it("fails the run at once when the function answers x-inngest-no-retry (NonRetriableError outside steps)", async () => {
    const log = newLog();
    const done = await run("body-retry", { log, fatal: true });
    expect(done).toMatchObject({ status: "Failed", error: { message: "fatal outside any step" } });
    expect(lines(log)).toEqual(["body:0"]);
  });

  it("stops at a NonRetriableError, fails the run, and runs the function's onFailure handler", async () => {
    const log = newLog();
    const done = await run("non-retriable", { log });
    expect(done.status).toBe("Failed");
    expect(done.error).toMatchObject({ name: "NonRetriableError", message: "cannot go on" });
    await waitFor(() => lines(log).includes("on-failure:cannot go on"));
    expect(lines(log)).toEqual(["fatal", "on-failure:cannot go on"]);
  });

  it("hands a step's final failure (StepFailed) to the function after its retries are spent", async () => {
    const log = newLog();
    const done = await run("exhaust", { log });
    expect(done.status).toBe("Completed");
    expect(done.output).toEqual({ recovered: "still broken" });
    expect(lines(log)).toEqual(["try", "try"]);
  });

  it("runs parallel steps (StepPlanned) at the same time, each once", async () => {
    const log = newLog();
    const done = await run("parallel", { log });
    expect(done.status).toBe("Completed");
    expect(done.output).toEqual(["p1", "p2", "p3"]);
    const entries = lines(log);
    const at = (kind: string) =>
      entries.filter((l) => l.startsWith(kind)).map((l) => Number(l.split(":")[2]));
    expect(at("start")).toHaveLength(3);
    expect(Math.max(...at("start"))).toBeLessThan(Math.min(...at("end")));
    expect(entries.at(-1)).toBe("after");
  });

  it("sleeps durably for the time step.sleep asks", async () => {
    const done = await run("sleep", { log: newLog() });
    expect(done.status).toBe("Completed");
    expect((done.output as { slept: number }).slept).toBeGreaterThanOrEqual(1000);
  });

  it("resumes step.waitForEvent with the first event matching its `if`, and only that", async () => {
    const eventId = await sendEvent(runner.url, {
      name: "contract/wait",
      data: { syncRunId: "r1", timeout: "1h" },
    });
    const { id } = await runFor(runner.url, fn("wait"), eventId);
    await waitFor(async () => {
      const current = await getJson<Run>(`${runner.url}/runs/${id}`);
      return Object.keys(current.waits).length > 0;
    });
    await sendEvent(runner.url, {
      name: "contract/approval",
      data: { syncRunId: "other", decision: "reject" },
    });
    await sendEvent(runner.url, {
      name: "contract/approval",
      data: { syncRunId: "r1", decision: "approve" },
    });
    const done = await finishedRun(runner.url, id);
    expect(done.output).toEqual({ approval: { syncRunId: "r1", decision: "approve" } });
  });

  it("resumes step.waitForEvent with null when it times out", async () => {
    const started = Date.now();
    const done = await run("wait", { syncRunId: "r2", timeout: "1s" });
    expect(done.output).toEqual({ approval: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("runs step.invoke as a run of the other function and returns its result", async () => {
    const log = newLog();
    const done = await run("invoke", { log, n: 21 });
    expect(done.output).toEqual({ doubled: 42 });
    const runs = await getJson<
      Array<{ functionId: string; eventName: string; invokedBy?: { runId: string } }>
    >(`${runner.url}/runs`);
    expect(runs.find((r) => r.invokedBy?.runId === done.id)).toMatchObject({
      functionId: fn("double"),
      eventName: "inngest/function.invoked",
    });
    expect(lines(log)).toEqual(["double"]);
  });

  it("delivers step.sendEvent to the event API, which triggers the functions listening for it", async () => {
    const log = newLog();
    const done = await run("send", { log });
    const [pingId] = (done.output as { ids: string[] }).ids;
    const pong = await runFor(runner.url, fn("on-ping"), String(pingId));
    expect((await finishedRun(runner.url, pong.id)).status).toBe("Completed");
    expect(lines(log)).toEqual([`pong:${pingId}`]);
  });

  it("keeps to a keyed concurrency limit: one step at a time per key, keys in parallel", async () => {
    const log = newLog();
    const ids = await Promise.all(
      ["k1", "k1", "k2"].map((key) => sendEvent(runner.url, { name: "contract/serial", data: { log, key } })),
    );
    for (const eventId of ids)
      await finishedRun(runner.url, (await runFor(runner.url, fn("serial"), eventId)).id);
    const spans = (key: string) => {
      const entries = lines(log).filter((l) => l.startsWith(`${key}:`));
      const starts = entries.filter((l) => l.includes(":start:")).map((l) => Number(l.split(":")[2]));
      const ends = entries.filter((l) => l.includes(":end:")).map((l) => Number(l.split(":")[2]));
      return starts.map((start, i) => [start, ends[i] ?? 0] as const).sort((a, b) => a[0] - b[0]);
    };
    const k1 = spans("k1");
    expect(k1).toHaveLength(4);
    for (let i = 1; i < k1.length; i++) expect(k1[i]?.[0]).toBeGreaterThanOrEqual(k1[i - 1]?.[1] ?? 0);
    const [k2] = spans("k2");
    expect(k1.some(([start, end]) => (k2?.[0] ?? 0) < end && start < (k2?.[1] ?? 0))).toBe(true);
  });

  it("cancels a run on a matching cancelOn event, and on the runner's cancel call", async () => {
    const log = newLog();
    const byEvent = await sendEvent(runner.url, {
      name: "contract/cancellable",
      data: { log, ticket: "t1" },
    });
    const byCall = await sendEvent(runner.url, { name: "contract/cancellable", data: { log, ticket: "t2" } });
    const first = await runFor(runner.url, fn("cancellable"), byEvent);
    const second = await runFor(runner.url, fn("cancellable"), byCall);
    await waitFor(() => lines(log).length === 2);
    await sendEvent(runner.url, { name: "contract/cancel", data: { ticket: "t1" } });
    expect((await finishedRun(runner.url, first.id)).status).toBe("Cancelled");
    expect((await getJson<Run>(`${runner.url}/runs/${second.id}`)).status).toBe("Running");

    const cancelled = await getJson(`${runner.url}/runs/${second.id}/cancel`, { method: "POST" });
    expect(cancelled).toEqual({ cancelled: true });
    expect((await finishedRun(runner.url, second.id)).status).toBe("Cancelled");
    expect(lines(log)).toEqual(["started", "started"]);
  });

  it("announces each cancel with Inngest's inngest/function.cancelled, which runs the functions subscribed to it", async () => {
    const [log, cancelledLog] = [newLog(), newLog()];
    const byEvent = await sendEvent(runner.url, {
      name: "contract/cancellable",
      data: { log, cancelledLog, ticket: "t3" },
    });
    const byCall = await sendEvent(runner.url, {
      name: "contract/cancellable",
      data: { log, cancelledLog, ticket: "t4" },
    });
    const first = await runFor(runner.url, fn("cancellable"), byEvent);
    const second = await runFor(runner.url, fn("cancellable"), byCall);
    await waitFor(() => lines(log).length === 2);
    await sendEvent(runner.url, { name: "contract/cancel", data: { ticket: "t3" } });
    await getJson(`${runner.url}/runs/${second.id}/cancel`, { method: "POST" });
    const announced = await waitFor(() => {
      const events = lines(cancelledLog).map((l) => JSON.parse(l) as Record<string, unknown>);
      return events.length === 2 ? events : undefined;
    });
    // As Inngest's executor sends it (pkg/execution/executor/finalize.go finalizeEvents): the run's
    // id as the event's id, the function's slug, the run, and the event(s) that started it.
    for (const cancelled of [first, second]) {
      const run = await finishedRun(runner.url, cancelled.id);
      expect(announced).toContainEqual(
        expect.objectContaining({
          id: run.id,
          name: "inngest/function.cancelled",
          ts: expect.any(Number),
          data: {
            function_id: fn("cancellable"),
            run_id: run.id,
            event: run.event,
            events: [run.event],
            _inngest: { status: "Cancelled" },
          },
        }),
      );
    }
  });

  it("replays a run: the same event again, as a new run marked as a replay", async () => {
    const log = newLog();
    const original = await run("steps", { log });
    const { id } = await getJson<{ id: string }>(`${runner.url}/runs/${original.id}/replay`, {
      method: "POST",
    });
    const replay = await finishedRun(runner.url, id);
    expect(replay).toMatchObject({ status: "Completed", replayOf: original.id, functionId: fn("steps") });
    expect(replay.event).toMatchObject({ name: original.event.name, data: original.event.data });
    expect(replay.event.id).not.toBe(original.event.id);
    expect(lines(log)).toEqual(["a", "b", "a", "b"]);
  });

  it("answers the event API as Inngest does, and processes an event id only once", async () => {
    const body = [
      { id: "same-id", name: "contract/steps", data: { log: newLog() } },
      { id: "same-id", name: "contract/steps", data: { log: newLog() } },
    ];
    const res = await getJson(`${runner.url}/e/any-key`, { method: "POST", body: JSON.stringify(body) });
    expect(res).toEqual({ ids: ["same-id", "same-id"], status: 200 });
    const runs = await getJson<Array<{ event: { id: string } }>>(`${runner.url}/runs`);
    expect(runs.filter((r) => r.event.id === "same-id")).toHaveLength(1);
  });

  it("shows runs on its page, saying what it is, with replay and cancel buttons", async () => {
    expect(runnerLog[0]).toMatch(/^Inngest local runner: .*not a production engine/);
    const html = await (await fetch(runner.url)).text();
    expect(html).toContain("not a production engine");
    expect(html).toContain(fn("steps"));

    const original = await run("steps", { log: newLog() });
    const page = await (await fetch(`${runner.url}/?run=${original.id}`)).text();
    expect(page).toContain(`action="/runs/${original.id}/replay"`);
    const replayed = await fetch(`${runner.url}/runs/${original.id}/replay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(replayed.status).toBe(303);
    const replayId = new URL(String(replayed.headers.get("location")), runner.url).searchParams.get("run");
    expect((await finishedRun(runner.url, String(replayId))).replayOf).toBe(original.id);
  });
});

describe("as strict as Inngest", () => {
  it("is driven with signed requests: the app in cloud mode refuses one without a valid signature", async () => {
    const body = JSON.stringify({ event: { name: "contract/steps", data: {} }, steps: {}, ctx: {} });
    const url = `${app.url}/api/contract?fnId=${fn("steps")}&stepId=step`;
    const unsigned = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-inngest-signature": `t=${Math.floor(Date.now() / 1000)}&s=00`,
      },
      body,
    });
    expect(forged.status).toBe(401);
    // Every run above and below went through the same app, so each of their requests was signed.
    expect((await run("steps", { log: newLog() })).status).toBe("Completed");
  });

  it("tries a step 5 times when the function sets no retries (Inngest's default of 4 retries), with its backoff", async () => {
    const log = newLog();
    const done = await run("default-retries", { log });
    expect(done.status).toBe("Failed");
    expect(done.error).toMatchObject({ message: "still broken" });
    const tries = lines(log).map((l) => Number(l.split(":")[1]));
    expect(tries).toHaveLength(5);
    // The fast schedule is Inngest's table in milliseconds instead of seconds (15, 30, 60, 120, ...).
    for (let i = 1; i < tries.length; i++)
      expect((tries[i] ?? 0) - (tries[i - 1] ?? 0)).toBeGreaterThanOrEqual(
        (INNGEST_BACKOFF_MS[i - 1] ?? 0) / 1000,
      );
  });

  it("fails a run that goes past 1,000 steps with Inngest's InngestErrFunctionOverflowed", async () => {
    const done = await run("many", { count: 1001 });
    expect(done.status).toBe("Failed");
    expect(done.error).toMatchObject({
      name: "InngestErrFunctionOverflowed",
      message: "The function run exceeded the step limit of 1000 steps.",
    });
    expect(Object.keys(done.steps).length).toBeLessThanOrEqual(1000);
  }, 60_000);

  it("fails a step whose output is over 4 MB, after its retries, with Inngest's error", async () => {
    const log = newLog();
    const done = await run("big", { log, count: 1, size: 4 * 1024 * 1024 });
    expect(done.status).toBe("Failed");
    expect(done.error).toMatchObject({
      message: expect.stringContaining("step output size is greater than the limit"),
    });
    expect(lines(log)).toEqual(Array(5).fill("big-0"));
    expect(done.steps).toEqual({});
  }, 60_000);

  it("fails a run whose state goes over 32 MB with Inngest's InngestErrStateOverflowed, without retrying", async () => {
    const log = newLog();
    const done = await run("big", { log, count: 9, size: 3.9 * 1024 * 1024 });
    expect(done.status).toBe("Failed");
    expect(done.error).toMatchObject({
      name: "InngestErrStateOverflowed",
      message: `The function run exceeded the state size limit of ${32 * 1024 * 1024} bytes.`,
    });
    expect(lines(log)).toEqual(Array.from({ length: 9 }, (_, i) => `big-${i}`));
  }, 60_000);

  it("refuses an event over 256 KiB as Inngest's event API does: 400 and its error", async () => {
    const event = { name: "contract/steps", data: { log: newLog(), pad: "x".repeat(256 * 1024) } };
    const size = Buffer.byteLength(JSON.stringify(event));
    const res = await fetch(`${runner.url}/e/any-key`, { method: "POST", body: JSON.stringify(event) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      ids: [],
      status: 400,
      error: `Event is over the max size: Max ${256 * 1024} bytes / Size ${size} bytes`,
    });
    const runs = await getJson<Array<{ event: { data: { log?: string } } }>>(`${runner.url}/runs`);
    expect(runs.some((r) => r.event.data.log === event.data.log)).toBe(false);
  });

  // Inngest interpolates the run's `event.*` into a wait's `if` when the wait starts (a missing
  // field becoming `null`), then evaluates it with missing `async.*` fields as unknown
  // (pkg/expressions/residual.go, unknown.go).
  it.each([
    ["async.data.syncRunId == event.data.syncRunId", {}, {}, true],
    ["async.data.syncRunId == event.data.syncRunId", { syncRunId: "r1" }, {}, false],
    ["async.data.decidedBy == async.data.requestedBy", {}, {}, false],
    ["async.data.decidedBy != async.data.requestedBy", {}, {}, true],
    ["async.data.amount < event.data.limit", { limit: 10 }, {}, true],
    ["async.data.amount >= event.data.limit", { limit: 10 }, {}, false],
    ["async.data.approved", {}, { approved: "yes" }, false],
  ])("resumes a wait on `%s` (run %j, event %j): %s", async (expression, runData, eventData, matched) => {
    const eventId = await sendEvent(runner.url, {
      name: "contract/wait-if",
      data: { ...runData, if: expression },
    });
    const { id } = await runFor(runner.url, fn("wait-if"), eventId);
    await waitFor(async () => Object.keys((await getJson<Run>(`${runner.url}/runs/${id}`)).waits).length > 0);
    await sendEvent(runner.url, { name: "contract/match", data: eventData });
    expect((await finishedRun(runner.url, id)).output).toEqual({ matched });
  });

  it("cancels on a cancelOn `if` whose event field is missing on both sides, as Inngest does", async () => {
    const log = newLog();
    const eventId = await sendEvent(runner.url, { name: "contract/cancellable", data: { log } });
    const { id } = await runFor(runner.url, fn("cancellable"), eventId);
    await waitFor(() => lines(log).length === 1);
    await sendEvent(runner.url, { name: "contract/cancel", data: {} });
    expect((await finishedRun(runner.url, id)).status).toBe("Cancelled");
  });
});
