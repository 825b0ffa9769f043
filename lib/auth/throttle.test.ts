import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/lib/testing/db";
import { clearFailures, clientAddress, lockedFor, recordFailure, type ThrottleKey } from "./throttle";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

const email = (value: string): ThrottleKey => ({ kind: "email", value });
const ip = (value: string): ThrottleKey => ({ kind: "ip", value });

describe("sign-in throttle", () => {
  it("locks an account after five failures and not before", async () => {
    const now = new Date("2026-01-01T10:00:00Z");
    for (let i = 0; i < 4; i++) await recordFailure(t.db, [email("a@x.test")], now);
    expect(await lockedFor(t.db, [email("a@x.test")], now)).toBe(0);
    await recordFailure(t.db, [email("a@x.test")], now);
    expect(await lockedFor(t.db, [email("A@X.test")], now)).toBe(15 * 60);
    expect(await lockedFor(t.db, [email("a@x.test")], new Date(now.getTime() + 16 * 60_000))).toBe(0);
  });

  it("counts failures per address across accounts", async () => {
    const now = new Date("2026-01-01T11:00:00Z");
    for (let i = 0; i < 20; i++) await recordFailure(t.db, [email(`u${i}@x.test`), ip("203.0.113.9")], now);
    expect(await lockedFor(t.db, [email("new@x.test"), ip("203.0.113.9")], now)).toBeGreaterThan(0);
    expect(await lockedFor(t.db, [email("new@x.test"), ip("198.51.100.1")], now)).toBe(0);
  });

  it("starts a new window after fifteen minutes and clears on success", async () => {
    const start = new Date("2026-01-01T12:00:00Z");
    for (let i = 0; i < 4; i++) await recordFailure(t.db, [email("b@x.test")], start);
    const later = new Date(start.getTime() + 16 * 60_000);
    await recordFailure(t.db, [email("b@x.test")], later);
    expect(await lockedFor(t.db, [email("b@x.test")], later)).toBe(0);
    await clearFailures(t.db, email("b@x.test"));
    expect(await t.db.signInThrottle.count({ where: { key: "email:b@x.test" } })).toBe(0);
  });
});

describe("clientAddress", () => {
  const from = (xff?: string) => new Headers(xff ? { "x-forwarded-for": xff } : {});

  it("takes the address the nearest proxy saw, not what the client wrote before it", () => {
    expect(clientAddress(from("203.0.113.9"))).toBe("203.0.113.9");
    expect(clientAddress(from("1.2.3.4, 5.6.7.8, 203.0.113.9"))).toBe("203.0.113.9");
    expect(clientAddress(from("  spoofed ,203.0.113.9 "))).toBe("203.0.113.9");
    expect(clientAddress(from())).toBe("unknown");
  });

  it("skips the proxies named by TRUSTED_PROXY_HOPS", () => {
    const env = { TRUSTED_PROXY_HOPS: "2" };
    expect(clientAddress(from("spoofed, 203.0.113.9, 10.0.0.2"), env)).toBe("203.0.113.9");
    expect(clientAddress(from("203.0.113.9"), env)).toBe("203.0.113.9");
    expect(clientAddress(from("a, b"), { TRUSTED_PROXY_HOPS: "nonsense" })).toBe("b");
  });
});
