import { describe, expect, it } from "vitest";
import { Pacer, retryAfterMs } from "./pacing";

describe("Pacer", () => {
  it("spaces consecutive callers at least the interval apart", async () => {
    const pacer = new Pacer(100);
    const times: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async () => {
        await pacer.wait();
        times.push(Date.now());
      }),
    );
    times.sort((a, b) => a - b);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(95);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it("holds every caller until a pause ends", async () => {
    const pacer = new Pacer(10);
    const started = Date.now();
    pacer.pauseUntil(started + 200);
    await pacer.wait();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates, and bounds the wait", () => {
    expect(retryAfterMs("2")).toBe(2_000);
    expect(retryAfterMs("0.5")).toBe(500);
    const now = Date.parse("2026-11-29T10:00:00Z");
    expect(retryAfterMs("Sun, 29 Nov 2026 10:00:05 GMT", { now })).toBe(5_000);
    expect(retryAfterMs("3600")).toBe(30_000);
    expect(retryAfterMs(undefined)).toBe(1_000);
    expect(retryAfterMs("soon")).toBe(1_000);
  });
});
