import { describe, expect, it } from "vitest";
import { nextCronTime } from "./cron";
import { resolveTime, retryAfterDelay } from "./time";

describe("time strings", () => {
  it("reads the SDK's durations and ISO instants", () => {
    expect(resolveTime("1s", 1000)).toBe(2000);
    expect(resolveTime("1w2d3h4m5s", 0)).toBe(((((7 + 2) * 24 + 3) * 60 + 4) * 60 + 5) * 1000);
    expect(resolveTime("2030-01-01T00:00:00.000Z", 0)).toBe(Date.UTC(2030, 0, 1));
    expect(() => resolveTime("soon", 0)).toThrow(/Unsupported time/);
  });

  it("reads retry-after as seconds or a date", () => {
    expect(retryAfterDelay("3", 0)).toBe(3000);
    expect(retryAfterDelay(new Date(5000).toUTCString(), 1000)).toBe(4000);
    expect(retryAfterDelay(null, 0)).toBeUndefined();
  });
});

describe("cron", () => {
  const after = new Date("2026-03-02T10:15:30Z");
  it("finds the next time in UTC, with or without seconds", () => {
    expect(nextCronTime("0 * * * *", after).toISOString()).toBe("2026-03-02T11:00:00.000Z");
    expect(nextCronTime("*/10 * * * * *", after).toISOString()).toBe("2026-03-02T10:15:40.000Z");
  });

  it("honours a TZ= prefix", () => {
    // 09:00 in Paris is 08:00 UTC in March (CET).
    expect(nextCronTime("TZ=Europe/Paris 0 9 * * *", after).toISOString()).toBe("2026-03-03T08:00:00.000Z");
  });
});
