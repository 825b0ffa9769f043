import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MemberContext } from "@/lib/auth/member";
import { decryptSecret } from "@/lib/crypto/secrets";
import { createTestDb, type TestDb } from "@/lib/testing/db";
import { type UserSyncInput, userSyncInput } from "./form";
import {
  createUserSync,
  deleteUserSync,
  getUserSync,
  listUserSyncs,
  updateUserSync,
  userSyncCredentials,
} from "./service";

let t: TestDb;
let acme: MemberContext;
let globex: MemberContext;

const TOKEN = "00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789wxyz";

const input = (over: Record<string, unknown> = {}): UserSyncInput =>
  userSyncInput.parse({
    name: "Okta production",
    domain: "https://acme.okta.com/",
    token: TOKEN,
    enrollmentType: "TRUST_EMAIL",
    uniqueField: "EMAIL",
    ...over,
  });

async function memberOf(slug: string): Promise<MemberContext> {
  const org = await t.db.organization.create({ data: { name: slug, slug } });
  const user = await t.db.user.create({ data: { email: `admin@${slug}.test` } });
  await t.db.member.create({ data: { organizationId: org.id, userId: user.id, role: "ADMINISTRATOR" } });
  return {
    userId: user.id,
    email: user.email,
    name: null,
    organizationId: org.id,
    organizationName: slug,
    role: "ADMINISTRATOR",
    memberships: [],
  };
}

beforeAll(async () => {
  vi.stubEnv("TOKEN_ENCRYPTION_KEYS", `test:${Buffer.alloc(32, 7).toString("base64")}`);
  t = await createTestDb();
  acme = await memberOf("acme");
  globex = await memberOf("globex");
});
afterAll(() => t.close());

describe("user sync configuration", () => {
  it("creates a sync with a normalised domain and an encrypted token that only the sync can read", async () => {
    const result = await createUserSync(t.db, acme, input());
    expect(result).toMatchObject({ ok: true });
    const id = result.ok ? result.id : "";
    const row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(row.domain).toBe("https://acme.okta.com");
    expect(row.tokenCiphertext).not.toContain(TOKEN);
    expect(row.tokenLast4).toBe("wxyz");
    expect(decryptSecret(row.tokenCiphertext)).toBe(TOKEN);
    expect(await userSyncCredentials(t.db, id)).toEqual({ domain: "https://acme.okta.com", token: TOKEN });
    const shown = await getUserSync(t.db, acme.organizationId, id);
    expect(JSON.stringify(shown)).not.toContain(row.tokenCiphertext);
    expect(shown).not.toHaveProperty("tokenCiphertext");
    expect(await t.db.auditEvent.count({ where: { action: "user-sync.created", targetId: id } })).toBe(1);
  });

  it("puts each problem on its field", async () => {
    expect(await createUserSync(t.db, acme, input({ token: "" }))).toMatchObject({
      ok: false,
      fieldErrors: { token: [expect.any(String)] },
    });
    expect(
      await createUserSync(t.db, acme, input({ name: "Other", domain: "acme-admin.okta.com" })),
    ).toMatchObject({
      ok: false,
      fieldErrors: { domain: [expect.stringContaining("acme.okta.com")] },
    });
    expect(
      await createUserSync(t.db, acme, input({ name: "Other", domain: "http://169.254.169.254" })),
    ).toMatchObject({
      ok: false,
      fieldErrors: { domain: [expect.any(String)] },
    });
    expect(await createUserSync(t.db, acme, input())).toMatchObject({
      ok: false,
      fieldErrors: { name: ["A user sync with this name already exists."] },
    });
    expect(await t.db.userSync.count()).toBe(1);
  });

  it("rejects bad form input with messages before anything is stored", () => {
    const parsed = userSyncInput.safeParse({
      name: "",
      domain: "",
      token: "has space",
      enrollmentType: "X",
      uniqueField: "",
      safeguardPercent: "0",
    });
    expect(parsed.success).toBe(false);
    const fields = new Set(parsed.error?.issues.map((i) => i.path[0]));
    expect(fields).toEqual(
      new Set(["name", "domain", "token", "enrollmentType", "uniqueField", "safeguardPercent"]),
    );
  });

  it("keeps the saved token when an edit leaves it blank, and replaces it when given", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    expect(
      await updateUserSync(t.db, acme, id, input({ token: "", uniqueField: "USERNAME", schedule: "DAILY" })),
    ).toEqual({ ok: true, id });
    let row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ uniqueField: "USERNAME", schedule: "DAILY", tokenLast4: "wxyz" });
    expect(decryptSecret(row.tokenCiphertext)).toBe(TOKEN);
    await updateUserSync(t.db, acme, id, input({ token: "00newtoken1234" }));
    row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(decryptSecret(row.tokenCiphertext)).toBe("00newtoken1234");
    const audit = await t.db.auditEvent.findFirstOrThrow({
      where: { action: "user-sync.updated" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.details).toEqual({ name: "Okta production", changed: ["uniqueField", "schedule"] });
  });

  it("never lets another organization read, change or delete the sync", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    expect(await getUserSync(t.db, globex.organizationId, id)).toBeNull();
    expect(await listUserSyncs(t.db, globex.organizationId)).toEqual([]);
    expect(await updateUserSync(t.db, globex, id, input({ name: "Hijacked" }))).toBeNull();
    expect(await deleteUserSync(t.db, globex, id)).toBe(false);
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id } })).name).toBe("Okta production");
  });

  it("deletes a sync but keeps the people it imported", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    await t.db.directoryUser.create({
      data: { organizationId: acme.organizationId, userSyncId: id, status: "ACTIVE", name: "Kept" },
    });
    expect(await deleteUserSync(t.db, acme, id)).toBe(true);
    expect(await t.db.userSync.count()).toBe(0);
    expect(await t.db.directoryUser.findFirstOrThrow({ where: { name: "Kept" } })).toMatchObject({
      userSyncId: null,
    });
  });
});
