import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/test-support/db";
import { attemptSucceeded, beginAttempt, clientAddress, type ThrottleKey } from "./throttle";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

const email = (value: string): ThrottleKey => ({ kind: "email", value });
const ip = (value: string): ThrottleKey => ({ kind: "ip", value });
const minutes = (start: Date, n: number) => new Date(start.getTime() + n * 60_000);

/** How many of `n` attempts in a row are allowed. */
async function allowed(keys: ThrottleKey[], n: number, now: Date): Promise<number> {
  let count = 0;
  for (let i = 0; i < n; i++) if (await beginAttempt(t.db, keys, now)) count++;
  return count;
}

describe("sign-in throttle", () => {
  it("allows five attempts at an account, then locks it for fifteen minutes from the fifth", async () => {
    const start = new Date("2026-01-01T10:00:00Z");
    expect(await allowed([email("a@x.test")], 4, start)).toBe(4);
    expect(await allowed([email("A@X.test")], 1, minutes(start, 10))).toBe(1);
    expect(await allowed([email("a@x.test")], 3, minutes(start, 10))).toBe(0);
    // The window of the first attempt is over, the lock taken at minute 10 is not.
    expect(await allowed([email("a@x.test")], 1, minutes(start, 24))).toBe(0);
    expect(await allowed([email("a@x.test")], 5, minutes(start, 26))).toBe(5);
  });

  it("counts attempts per address across accounts; a refused attempt costs the account nothing", async () => {
    const now = new Date("2026-01-01T11:00:00Z");
    for (let i = 0; i < 20; i++)
      expect(await beginAttempt(t.db, [email(`u${i}@x.test`), ip("203.0.113.9")], now)).not.toBeNull();
    expect(await allowed([email("new@x.test"), ip("203.0.113.9")], 3, now)).toBe(0);
    expect(await allowed([email("new@x.test"), ip("198.51.100.1")], 6, now)).toBe(5);
  });

  it("starts a new window after fifteen minutes", async () => {
    const start = new Date("2026-01-01T12:00:00Z");
    expect(await allowed([email("b@x.test")], 4, start)).toBe(4);
    expect(await allowed([email("b@x.test")], 5, minutes(start, 16))).toBe(5);
  });

  it("gives a successful attempt back to every key, even after the key locked", async () => {
    const now = new Date("2026-01-01T13:00:00Z");
    const keys = [email("c@x.test"), ip("192.0.2.4")];
    expect(await allowed(keys, 4, now)).toBe(4);
    const fifth = await beginAttempt(t.db, keys, now);
    expect(await allowed(keys, 1, now)).toBe(0);
    if (!fifth) throw new Error("the fifth attempt is allowed");
    await attemptSucceeded(t.db, fifth);
    expect(await allowed(keys, 2, now)).toBe(1);
    expect(await t.db.signInThrottle.findUnique({ where: { key: "ip:192.0.2.4" } })).toMatchObject({
      failures: 5,
    });
  });
});

describe("clientAddress", () => {
  const from = (xff?: string) => new Headers(xff ? { "x-forwarded-for": xff } : {});

  it("takes the address the nearest proxy saw, never a forged first entry", () => {
    expect(clientAddress(from("203.0.113.9"))).toBe("203.0.113.9");
    expect(clientAddress(from("1.2.3.4, 5.6.7.8, 203.0.113.9"))).toBe("203.0.113.9");
    expect(clientAddress(from("  spoofed ,203.0.113.9 "))).toBe("203.0.113.9");
    expect(clientAddress(from())).toBe("unknown");
  });

  it("takes the TRUSTED_PROXY_HOPS-th entry from the right", () => {
    const env = { TRUSTED_PROXY_HOPS: "2" };
    expect(clientAddress(from("spoofed, 203.0.113.9, 10.0.0.2"), env)).toBe("203.0.113.9");
    expect(clientAddress(from("203.0.113.9"), env)).toBe("203.0.113.9");
    expect(clientAddress(from("a, b"), { TRUSTED_PROXY_HOPS: "nonsense" })).toBe("b");
  });
});
