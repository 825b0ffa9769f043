import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { Inngest, NonRetriableError, RetryAfterError } from "inngest";

/**
 * Functions that exercise every part of the executor protocol the runner implements. Each side
 * effect appends a line to the file named by `event.data.log`, so tests can count executions.
 */
export const contract = new Inngest({ id: "runner-contract" });

type Data = { log: string; [key: string]: unknown };
const data = (event: { data: unknown }) => event.data as Data;
export const line = (file: string, text: string) => appendFileSync(file, `${text}\n`);
export const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];

const steps = contract.createFunction(
  { id: "steps", triggers: { event: "contract/steps" } },
  async ({ event, step }) => {
    const { log } = data(event);
    const a = await step.run("a", () => {
      line(log, "a");
      return 1;
    });
    const b = await step.run("b", () => {
      line(log, "b");
      return a + 1;
    });
    return { a, b };
  },
);

const retry = contract.createFunction(
  { id: "retry", retries: 3, triggers: { event: "contract/retry" } },
  async ({ event, step, attempt }) => {
    const { log, failTimes, retryAfter } = data(event);
    return step.run("flaky", () => {
      line(log, `flaky:${attempt}:${Date.now()}`);
      if (attempt >= Number(failTimes)) return { attempt };
      if (retryAfter) throw new RetryAfterError("not yet", String(retryAfter));
      throw new Error("flaky failure");
    });
  },
);

const bodyRetry = contract.createFunction(
  { id: "body-retry", retries: 2, triggers: { event: "contract/body-retry" } },
  async ({ event, attempt }) => {
    const { log, fatal } = data(event);
    line(log, `body:${attempt}`);
    if (fatal) throw new NonRetriableError("fatal outside any step");
    if (attempt < 1) throw new Error("failure outside any step");
    return { attempt };
  },
);

const nonRetriable = contract.createFunction(
  {
    id: "non-retriable",
    triggers: { event: "contract/non-retriable" },
    onFailure: async ({ event, error }) => {
      line(String(event.data.event.data.log), `on-failure:${error.message}`);
    },
  },
  async ({ event, step }) => {
    const { log } = data(event);
    await step.run("fatal", () => {
      line(log, "fatal");
      throw new NonRetriableError("cannot go on");
    });
  },
);

const exhaust = contract.createFunction(
  { id: "exhaust", retries: 1, triggers: { event: "contract/exhaust" } },
  async ({ event, step }) => {
    const { log } = data(event);
    try {
      await step.run("always-fails", () => {
        line(log, "try");
        throw new Error("still broken");
      });
    } catch (error) {
      return { recovered: (error as Error).message };
    }
  },
);

const parallel = contract.createFunction(
  { id: "parallel", triggers: { event: "contract/parallel" } },
  async ({ event, step }) => {
    const { log } = data(event);
    const branch = (name: string) =>
      step.run(name, async () => {
        line(log, `start:${name}:${Date.now()}`);
        await delay(300);
        line(log, `end:${name}:${Date.now()}`);
        return name;
      });
    const names = await Promise.all([branch("p1"), branch("p2"), branch("p3")]);
    await step.run("after", () => line(log, "after"));
    return names;
  },
);

const sleeper = contract.createFunction(
  { id: "sleep", triggers: { event: "contract/sleep" } },
  async ({ step }) => {
    const before = await step.run("before", () => Date.now());
    await step.sleep("nap", "1s");
    const after = await step.run("after", () => Date.now());
    return { slept: after - before };
  },
);

const waiter = contract.createFunction(
  { id: "wait", triggers: { event: "contract/wait" } },
  async ({ event, step }) => {
    const approval = await step.waitForEvent("approval", {
      event: "contract/approval",
      timeout: String(data(event).timeout),
      if: "async.data.syncRunId == event.data.syncRunId",
    });
    return { approval: approval?.data ?? null };
  },
);

const double = contract.createFunction(
  { id: "double", triggers: { event: "contract/double" } },
  async ({ event, step }) => {
    const { log, n } = data(event);
    return step.run("double", () => {
      line(log, "double");
      return Number(n) * 2;
    });
  },
);

const invoker = contract.createFunction(
  { id: "invoke", triggers: { event: "contract/invoke" } },
  async ({ event, step }) => {
    const { log, n } = data(event);
    const doubled = await step.invoke("call-double", { function: double, data: { log, n } });
    return { doubled };
  },
);

const sender = contract.createFunction(
  { id: "send", triggers: { event: "contract/send" } },
  async ({ event, step }) => {
    const { log } = data(event);
    const { ids } = await step.sendEvent("emit", { name: "contract/pinged", data: { log } });
    return { ids };
  },
);

const onPing = contract.createFunction(
  { id: "on-ping", triggers: { event: "contract/pinged" } },
  async ({ event, step }) => {
    await step.run("pong", () => line(data(event).log, `pong:${event.id}`));
  },
);

const serial = contract.createFunction(
  { id: "serial", concurrency: { key: "event.data.key", limit: 1 }, triggers: { event: "contract/serial" } },
  async ({ event, step }) => {
    const { log, key } = data(event);
    for (const name of ["s1", "s2"]) {
      await step.run(name, async () => {
        line(log, `${key}:start:${Date.now()}`);
        await delay(150);
        line(log, `${key}:end:${Date.now()}`);
      });
    }
  },
);

const cancellable = contract.createFunction(
  {
    id: "cancellable",
    cancelOn: [{ event: "contract/cancel", if: "async.data.ticket == event.data.ticket" }],
    triggers: { event: "contract/cancellable" },
  },
  async ({ event, step }) => {
    const { log } = data(event);
    await step.run("started", () => line(log, "started"));
    await step.sleep("long", "1h");
    await step.run("never", () => line(log, "never"));
  },
);

/**
 * Subscribed to `inngest/function.cancelled` of `cancellable`, as the app's cleanup is: logs the
 * event to the file the cancelled run's event names in `cancelledLog`.
 */
const onCancelled = contract.createFunction(
  {
    id: "on-cancelled",
    triggers: {
      event: "inngest/function.cancelled",
      if: `event.data.function_id == '${cancellable.id(contract.id)}'`,
    },
  },
  async ({ event, step }) => {
    const { cancelledLog } = (event.data as unknown as { event: { data: Data } }).event.data;
    if (cancelledLog) await step.run("log", () => line(String(cancelledLog), JSON.stringify(event)));
  },
);

/** Step "two" blocks until the file `event.data.release` exists, so a test can stop the app or the runner mid-step. */
const blocking = contract.createFunction(
  { id: "blocking", triggers: { event: "contract/blocking" } },
  async ({ event, step }) => {
    const { log, release } = data(event);
    await step.run("one", () => line(log, "one"));
    await step.run("two", async () => {
      line(log, "two:started");
      while (!existsSync(String(release))) await delay(20);
      line(log, "two");
    });
    await step.run("three", () => line(log, "three"));
    return "done";
  },
);

/** `event.data.count` sequential steps with small outputs, as a long sync has. */
const many = contract.createFunction(
  { id: "many", triggers: { event: "contract/many" } },
  async ({ event, step }) => {
    let cursor = 0;
    for (let i = 0; i < Number(data(event).count); i++) {
      cursor = await step.run(`page-${i}`, () => cursor + 1);
    }
    return { cursor };
  },
);

/** A step that always fails, in a function that sets no `retries`: Inngest's default applies. */
const defaultRetries = contract.createFunction(
  { id: "default-retries", triggers: { event: "contract/default-retries" } },
  async ({ event, step }) => {
    await step.run("always-fails", () => {
      line(data(event).log, `try:${Date.now()}`);
      throw new Error("still broken");
    });
  },
);

/** `event.data.count` steps, each returning `event.data.size` characters: for Inngest's size limits. */
const big = contract.createFunction(
  { id: "big", triggers: { event: "contract/big" } },
  async ({ event, step }) => {
    const { count, size, log } = data(event);
    const lengths: number[] = [];
    for (let i = 0; i < Number(count); i++) {
      const output = await step.run(`big-${i}`, () => {
        line(log, `big-${i}`);
        return "x".repeat(Number(size));
      });
      lengths.push(output.length);
    }
    return lengths;
  },
);

/** Waits for `contract/match` with the `if` expression the event names, so tests can try many. */
const waitIf = contract.createFunction(
  { id: "wait-if", triggers: { event: "contract/wait-if" } },
  async ({ event, step }) => {
    const match = await step.waitForEvent("match", {
      event: "contract/match",
      timeout: "1s",
      if: String(data(event).if),
    });
    return { matched: match !== null };
  },
);

export const contractFunctions = [
  many,
  steps,
  retry,
  bodyRetry,
  nonRetriable,
  exhaust,
  parallel,
  sleeper,
  waiter,
  double,
  invoker,
  sender,
  onPing,
  serial,
  cancellable,
  onCancelled,
  blocking,
  defaultRetries,
  big,
  waitIf,
];

/** A second app, synced only by the cron test: a function fired every second. */
export const cronApp = new Inngest({ id: "runner-contract-cron" });
export const cronFunctions = [
  cronApp.createFunction({ id: "tick", triggers: { cron: "* * * * * *" } }, async ({ event, step }) => {
    await step.run("tick", () => line(String(process.env.CONTRACT_CRON_LOG), `tick:${event.name}`));
  }),
];
