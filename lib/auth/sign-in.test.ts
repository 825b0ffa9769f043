import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createPostgresTestDb, type TestDb } from "@/test-support/db";
import { hashPassword, verifyPassword } from "./password";
import { signInWithCredentials } from "./sign-in";

// Counts the password checks: the throttle's promise is how many guesses get checked at all.
vi.mock("./password", async (original) => {
  const actual = await original<typeof import("./password")>();
  return { ...actual, verifyPassword: vi.fn(actual.verifyPassword) };
});
const checks = vi.mocked(verifyPassword);

// PostgreSQL with a connection pool: concurrent attempts really run side by side.
let t: TestDb;
beforeAll(async () => {
  t = await createPostgresTestDb();
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.signInThrottle.deleteMany();
  checks.mockClear();
});

async function member(email: string) {
  await t.db.user.create({
    data: { email, name: "Victim", passwordHash: await hashPassword("right-password") },
  });
  return email;
}

describe("password sign-in under concurrent guessing", () => {
  it("checks at most 5 of 40 simultaneous guesses at one account, and then refuses the right password", async () => {
    const email = await member("victim@concurrent.test");
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signInWithCredentials(t.db, { email, password: `guess ${i}` }, `203.0.113.${i + 1}`),
      ),
    );
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    expect(outcomes.filter((o) => !o.ok && o.throttled)).toHaveLength(35);
    expect(checks.mock.calls.length).toBeLessThanOrEqual(5);

    checks.mockClear();
    const right = await signInWithCredentials(t.db, { email, password: "right-password" }, "198.51.100.7");
    expect(right).toEqual({ ok: false, throttled: true });
    expect(checks).not.toHaveBeenCalled();
  });

  it("checks at most 20 of 40 simultaneous guesses from one address across accounts", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signInWithCredentials(t.db, { email: `nobody${i}@spray.test`, password: "guess" }, "198.51.100.23"),
      ),
    );
    expect(outcomes.filter((o) => !o.ok && o.throttled)).toHaveLength(20);
    expect(checks.mock.calls.length).toBeLessThanOrEqual(20);
    const email = await member("bystander@spray.test");
    const fromThere = await signInWithCredentials(
      t.db,
      { email, password: "right-password" },
      "198.51.100.23",
    );
    expect(fromThere).toEqual({ ok: false, throttled: true });
  });

  it("counts failures, not successful sign-ins", async () => {
    const email = await member("typo@concurrent.test");
    const attempt = (password: string) => signInWithCredentials(t.db, { email, password }, "192.0.2.1");
    for (let i = 0; i < 4; i++) expect(await attempt("typo")).toEqual({ ok: false, throttled: false });
    for (let i = 0; i < 10; i++)
      expect(await attempt("right-password")).toMatchObject({ ok: true, user: { email } });
    expect(await attempt("typo")).toEqual({ ok: false, throttled: false });
    expect(await attempt("right-password")).toEqual({ ok: false, throttled: true });
  });
});
