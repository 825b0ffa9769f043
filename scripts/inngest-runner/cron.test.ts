import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { type Runner, startRunner } from "./index";
import { lines } from "./testing/fixtures";
import { type ChildService, freePort, getJson, startAppProcess, waitFor } from "./testing/harness";

const dir = mkdtempSync(path.join(tmpdir(), "runner-cron-"));
let app: ChildService | undefined;
let runner: Runner | undefined;
afterAll(async () => {
  await runner?.close();
  await app?.kill();
  rmSync(dir, { recursive: true, force: true });
});

it("starts a run of a cron function at each tick, with Inngest's scheduled-timer event", async () => {
  const log = path.join(dir, "ticks.txt");
  const port = await freePort();
  app = await startAppProcess({ INNGEST_DEV: `http://127.0.0.1:${port}`, CONTRACT_CRON_LOG: log });
  runner = await startRunner({
    port,
    dataDir: path.join(dir, "data"),
    appUrl: `${app.url}/api/cron`,
    log: () => {},
  });
  await waitFor(() => lines(log).length >= 2);
  expect(lines(log).slice(0, 2)).toEqual(["tick:inngest/scheduled.timer", "tick:inngest/scheduled.timer"]);
  const runs = await getJson<Array<{ functionId: string; event: { ts: number; data: unknown } }>>(
    `${runner.url}/runs`,
  );
  expect(runs[0]).toMatchObject({
    functionId: "runner-contract-cron-tick",
    event: { data: { cron: "* * * * * *" } },
  });
  // Each tick's event carries its scheduled time: whole seconds, one apart.
  const [later, earlier] = runs.map((r) => r.event.ts);
  expect((earlier ?? 1) % 1000).toBe(0);
  expect((later ?? 0) - (earlier ?? 0)).toBe(1000);
});
