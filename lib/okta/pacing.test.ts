import { describe, expect, it } from "vitest";
import { RateLimitPacer } from "./pacing";

const headers = (limit: number, remaining: number, resetSeconds: number, dateMs: number) => ({
  "x-rate-limit-limit": String(limit),
  "x-rate-limit-remaining": String(remaining),
  "x-rate-limit-reset": String(resetSeconds),
  date: new Date(dateMs).toUTCString(),
});

describe("RateLimitPacer", () => {
  it("keeps the reserve: waits for the reset once the budget is down to it", async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new RateLimitPacer(
      0.3,
      () => now,
      async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    );
    pacer.record("users", headers(10, 4, 60, 0), 0);
    await pacer.take("users");
    expect(sleeps).toEqual([]);
    await pacer.take("users");
    expect(sleeps).toEqual([61_000]);
  });

  it("lets one request through each window when the limit is too small to keep a reserve", async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new RateLimitPacer(
      0.3,
      () => now,
      async (ms) => {
        sleeps.push(ms);
        if (sleeps.length > 5) throw new Error("spinning");
        now += Math.max(ms, 1);
      },
    );
    pacer.record("groups", headers(1, 0, 1, 0), 0);
    await pacer.take("groups");
    expect(sleeps).toEqual([2000]);
  });
});
