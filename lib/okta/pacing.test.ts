import { describe, expect, it } from "vitest";
import { endpointFamily, RateLimitPacer } from "./pacing";

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

describe("endpointFamily", () => {
  it("gives users, groups (members included) and the System Log budgets of their own, as Okta does", () => {
    const families = Object.fromEntries(
      [
        "/api/v1/users",
        "/api/v1/users/00u1",
        "/api/v1/groups",
        "/api/v1/groups/00g1/users",
        "/api/v1/logs",
        "/api/v1/logsearch",
        "/api/v1/apps",
        "/.well-known/okta-organization",
      ].map((path) => [path, endpointFamily(path)]),
    );
    expect(families).toEqual({
      "/api/v1/users": "users",
      "/api/v1/users/00u1": "users",
      "/api/v1/groups": "groups",
      "/api/v1/groups/00g1/users": "groups",
      "/api/v1/logs": "logs",
      "/api/v1/logsearch": "other",
      "/api/v1/apps": "other",
      "/.well-known/okta-organization": "other",
    });
  });
});
