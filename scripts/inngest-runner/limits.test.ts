import { describe, expect, it } from "vitest";
import { backoffDelay, INNGEST_BACKOFF_MS } from "./limits";

describe("retry backoff", () => {
  it("follows Inngest's table (pkg/backoff TableBackoff) with up to 30 s of jitter", () => {
    expect(INNGEST_BACKOFF_MS.slice(0, 6)).toEqual([15_000, 30_000, 60_000, 120_000, 300_000, 600_000]);
    for (let failed = 0; failed < 12; failed++) {
      const base = INNGEST_BACKOFF_MS[Math.min(failed, INNGEST_BACKOFF_MS.length - 1)] ?? 0;
      for (let i = 0; i < 20; i++) {
        const delay = backoffDelay("inngest", failed);
        expect(delay).toBeGreaterThanOrEqual(base);
        expect(delay).toBeLessThan(base + 30_000);
      }
    }
  });

  it("has a fast schedule for tests: the same table in milliseconds instead of seconds", () => {
    for (let failed = 0; failed < 4; failed++) {
      const delay = backoffDelay("fast", failed);
      expect(delay).toBeGreaterThanOrEqual((INNGEST_BACKOFF_MS[failed] ?? 0) / 1000);
      expect(delay).toBeLessThan((INNGEST_BACKOFF_MS[failed] ?? 0) / 1000 + 30);
    }
  });
});
