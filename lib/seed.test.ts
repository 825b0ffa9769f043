import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "@/lib/auth/password";
import { createTestDb, type TestDb } from "@/test-support/db";
import { seedDemo } from "./seed";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

describe("seedDemo", () => {
  it("creates Acme with an Owner, an Administrator and a Member, and is safe to run twice", async () => {
    await seedDemo(t.db, "s3cret-pass");
    await seedDemo(t.db, "s3cret-pass");
    const members = await t.db.member.findMany({ include: { user: true, organization: true } });
    expect(members.map((m) => [m.organization.name, m.user.email, m.role]).sort()).toEqual([
      ["Acme", "admin@acme.test", "ADMINISTRATOR"],
      ["Acme", "member@acme.test", "MEMBER"],
      ["Acme", "owner@acme.test", "OWNER"],
    ]);
    const owner = members.find((m) => m.role === "OWNER");
    expect(await verifyPassword(owner?.user.passwordHash ?? "", "s3cret-pass")).toBe(true);
    expect(await verifyPassword(owner?.user.passwordHash ?? "", "wrong")).toBe(false);
  });
});
