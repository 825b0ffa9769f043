import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, parseKeyring } from "@/lib/crypto/secrets";
import { createTestDb, type TestDb } from "@/lib/testing/db";
import { reencryptTokens } from "./reencrypt-tokens";

const key = () => randomBytes(32).toString("base64");
const oldKey = key();
const newKey = key();
const before = parseKeyring(`old:${oldKey}`);
const during = parseKeyring(`new:${newKey},old:${oldKey}`);
const after = parseKeyring(`new:${newKey}`);

let t: TestDb;
let organizationId: string;
beforeAll(async () => {
  t = await createTestDb();
  ({ id: organizationId } = await t.db.organization.create({ data: { name: "Rotate", slug: "rotate" } }));
});
afterAll(() => t.close());

async function sync(name: string, token: string, keyring = before) {
  return t.db.userSync.create({
    data: {
      organizationId,
      name,
      domain: "https://rotate.okta.com",
      tokenCiphertext: encryptSecret(token, keyring),
      tokenLast4: token.slice(-4),
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
}

describe("reencryptTokens", () => {
  it("moves every token to the current key, after which the old key can go", async () => {
    const a = await sync("a", "token-a-0001");
    const b = await sync("b", "token-b-0002");
    const c = await sync("c", "token-c-0003", during);

    const dry = await reencryptTokens(t.db, during, { dryRun: true });
    expect(dry).toMatchObject({ checked: 3, reencrypted: 2, undecryptable: [], keyIds: { old: 2, new: 1 } });

    const report = await reencryptTokens(t.db, during);
    expect(report).toMatchObject({ checked: 3, reencrypted: 2, changedMeanwhile: 0, keyIds: { new: 3 } });
    const rows = await t.db.userSync.findMany({ orderBy: { name: "asc" } });
    expect(rows.map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect(rows.map((r) => decryptSecret(r.tokenCiphertext, after))).toEqual([
      "token-a-0001",
      "token-b-0002",
      "token-c-0003",
    ]);

    expect(await reencryptTokens(t.db, during)).toMatchObject({ reencrypted: 0, keyIds: { new: 3 } });
  });

  it("reports a token no key decrypts and leaves it as it is", async () => {
    const lost = await sync("lost", "token-lost-9", parseKeyring(`gone:${key()}`));
    const report = await reencryptTokens(t.db, during);
    expect(report.undecryptable).toEqual([lost.id]);
    expect(report.keyIds).toMatchObject({ gone: 1 });
    const row = await t.db.userSync.findUniqueOrThrow({ where: { id: lost.id } });
    expect(row.tokenCiphertext.split(".")[1]).toBe("gone");
  });
});
