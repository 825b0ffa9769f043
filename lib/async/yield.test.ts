import { syncBuiltinESMExports } from "node:module";
import { DANGEROUSLY_runPendingImmediatesAfterCurrentTask } from "next/dist/server/node-environment-extensions/fast-set-immediate.external";
import { describe, expect, it } from "vitest";
import { yielder } from "./yield";

/** Runs `ms` of work, awaiting `pause` between bits; returns the longest a 1 ms timer waited. */
async function longestTimerGap(ms: number, pause: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    longest = Math.max(longest, performance.now() - last);
    last = performance.now();
  }, 1);
  const start = performance.now();
  while (performance.now() - start < ms) {
    await pause();
    JSON.stringify({ bit: Math.random() });
  }
  clearInterval(timer);
  return Math.max(longest, performance.now() - last);
}

describe("yielder", () => {
  it("lets timers run between slices of a long loop", async () => {
    expect(await longestTimerGap(300, yielder(10))).toBeLessThan(100);
  });

  it("still yields while Next.js is rendering a page, which runs immediates queued meanwhile in its own task", async () => {
    // Importing Next's module patched node:timers (as the app's server does); ES imports see it
    // once synced. Then a render's task begins as Next begins it.
    syncBuiltinESMExports();
    DANGEROUSLY_runPendingImmediatesAfterCurrentTask();
    expect(await longestTimerGap(300, yielder(10))).toBeLessThan(100);
  });
});
