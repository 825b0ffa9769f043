import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createOwner } from "./owner";
import { verifyPassword } from "./password";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

const alice = {
  email: " Alice@Example.com ",
  name: "Alice Example",
  organization: "Example Corp",
  password: "a long enough passphrase",
};

describe("createOwner", () => {
  it("creates one organization with one Owner who signs in with the given password", async () => {
    const created = await createOwner(t.db, alice);
    expect(created).toMatchObject({ ok: true, email: "alice@example.com" });
    const members = await t.db.member.findMany({ include: { user: true, organization: true } });
    expect(
      members.map((m) => [m.organization.name, m.organization.slug, m.user.email, m.user.name, m.role]),
    ).toEqual([["Example Corp", "example-corp", "alice@example.com", "Alice Example", "OWNER"]]);
    expect(await verifyPassword(members[0]?.user.passwordHash ?? "", alice.password)).toBe(true);
  });

  it("refuses an email that already has an account, in any case, and creates nothing", async () => {
    const again = await createOwner(t.db, { ...alice, email: "ALICE@example.com", organization: "Takeover" });
    expect(again).toEqual({
      ok: false,
      message: "alice@example.com already has an account: nothing was created.",
    });
    expect(await t.db.organization.count()).toBe(1);
    expect(await t.db.user.count()).toBe(1);
  });

  it("refuses a short password or a missing organization", async () => {
    expect(await createOwner(t.db, { ...alice, email: "bob@example.com", password: "short" })).toMatchObject({
      ok: false,
      message: "The password needs at least 12 characters.",
    });
    expect(await createOwner(t.db, { ...alice, email: "bob@example.com", organization: "  " })).toMatchObject(
      {
        ok: false,
        message: "Name the organization.",
      },
    );
    expect(await t.db.user.count()).toBe(1);
  });

  it("gives a second organization of the same name a slug of its own", async () => {
    const other = await createOwner(t.db, { ...alice, email: "carol@example.com" });
    if (!other.ok) throw new Error(other.message);
    const organization = await t.db.organization.findUniqueOrThrow({ where: { id: other.organizationId } });
    expect(organization.slug).toMatch(/^example-corp-[0-9a-f]{6}$/);
  });
});
