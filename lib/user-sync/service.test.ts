import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MemberContext } from "@/lib/auth/member";
import { decryptSecret } from "@/lib/crypto/secrets";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createAdministrator } from "@/test-support/members";
import { type UserSyncInput, userSyncInput } from "./form";
import {
  createUserSync,
  deleteUserSync,
  getUserSync,
  listUserSyncs,
  updateUserSync,
  userSyncCredentials,
} from "./service";

// Custom domains are resolved before they are saved: every name resolves to a public address, once
// `dns.gate` lets it (a test holds an edit there to let another one land first).
const dns = vi.hoisted(() => ({ gate: Promise.resolve(), waiting: () => {} }));
vi.mock("node:dns/promises", () => ({
  lookup: async () => {
    dns.waiting();
    await dns.gate;
    return [{ address: "93.184.215.14", family: 4 }];
  },
}));

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

const memberOf = (slug: string) => createAdministrator(t.db, { slug });

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
    expect(row.credentialCiphertext).not.toContain(TOKEN);
    expect(row.credentialHint).toBe("wxyz");
    expect(decryptSecret(row.credentialCiphertext, "https://acme.okta.com")).toBe(TOKEN);
    expect(await userSyncCredentials(t.db, id)).toEqual({
      provider: "OKTA",
      domain: "https://acme.okta.com",
      okta: { token: TOKEN },
    });
    const shown = await getUserSync(t.db, acme.organizationId, id);
    expect(JSON.stringify(shown)).not.toContain(row.credentialCiphertext);
    expect(shown).not.toHaveProperty("credentialCiphertext");
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

  it("keeps the saved token when an edit leaves it blank for the same domain, however retyped, and replaces it when given", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    expect(
      await updateUserSync(
        t.db,
        acme,
        id,
        input({
          domain: "HTTPS://Acme.Okta.com./",
          token: "",
          uniqueField: "USERNAME",
          schedule: "DAILY",
          fullSyncEveryHours: "6",
          alertAfterHours: "48",
        }),
      ),
    ).toEqual({ ok: true, id });
    let row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      domain: "https://acme.okta.com",
      uniqueField: "USERNAME",
      schedule: "DAILY",
      fullSyncEveryHours: 6,
      alertAfterFailures: 3,
      alertAfterHours: 48,
      credentialHint: "wxyz",
    });
    expect(await userSyncCredentials(t.db, id)).toEqual({
      provider: "OKTA",
      domain: "https://acme.okta.com",
      okta: { token: TOKEN },
    });
    await updateUserSync(t.db, acme, id, input({ token: "00newtoken1234" }));
    row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(decryptSecret(row.credentialCiphertext, "https://acme.okta.com")).toBe("00newtoken1234");
    const audit = await t.db.auditEvent.findFirstOrThrow({
      where: { action: "user-sync.updated" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.details).toEqual({
      name: "Okta production",
      changed: ["uniqueField", "schedule", "fullSyncEveryHours", "alertAfterHours"],
    });
  });

  it("never lets the saved token follow a new domain: a blank token is refused on the API Token field", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    const before = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    const audits = await t.db.auditEvent.count();
    for (const domain of ["evil.okta.com", "sso.evil.example", "https://acme.okta.com.evil.example"]) {
      expect(await updateUserSync(t.db, acme, id, input({ domain, token: "" })), domain).toEqual({
        ok: false,
        message: "Check the highlighted fields.",
        fieldErrors: {
          token: [expect.stringMatching(/Enter the API Token again.*https:\/\/acme\.okta\.com/)],
        },
      });
    }
    expect(await t.db.userSync.findUniqueOrThrow({ where: { id } })).toEqual(before);
    expect(await t.db.auditEvent.count()).toBe(audits);

    // Typed again, the token moves with the domain, and the log says from where to where.
    expect(
      await updateUserSync(t.db, acme, id, input({ domain: "globex.okta.com", token: "00globextoken5678" })),
    ).toEqual({ ok: true, id });
    expect(await userSyncCredentials(t.db, id)).toEqual({
      provider: "OKTA",
      domain: "https://globex.okta.com",
      okta: { token: "00globextoken5678" },
    });
    const audit = await t.db.auditEvent.findFirstOrThrow({
      where: { action: "user-sync.updated" },
      orderBy: { createdAt: "desc" },
    });
    expect(audit.details).toEqual({
      name: "Okta production",
      changed: ["domain", "credential"],
      domain: { from: "https://acme.okta.com", to: "https://globex.okta.com" },
    });
  });

  it("does not decrypt a token whose row was pointed at another domain behind the application's back", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    const saved = await userSyncCredentials(t.db, id);
    const domain = saved.provider === "OKTA" ? saved.domain : "";
    await t.db.userSync.update({ where: { id }, data: { domain: "https://evil.okta.com" } });
    await expect(userSyncCredentials(t.db, id)).rejects.toThrow(/does not decrypt/);
    await t.db.userSync.update({ where: { id }, data: { domain } });
    expect(await userSyncCredentials(t.db, id)).toHaveProperty("domain", domain);
  });

  it("keeps the saved token with its domain when an edit with a blank token races one that moves the domain", async () => {
    const created = await createUserSync(
      t.db,
      acme,
      input({ name: "Raced", domain: "sso.acme.example", token: "00ssotoken0001" }),
    );
    const id = created.ok ? created.id : "";
    // The blank-token edit reads the row, then waits on DNS while the other edit moves the domain.
    let release = () => {};
    dns.gate = new Promise((resolve) => {
      release = resolve;
    });
    const waiting = new Promise<void>((resolve) => {
      dns.waiting = resolve;
    });
    const blank = updateUserSync(
      t.db,
      acme,
      id,
      input({ name: "Raced", domain: "sso.acme.example", token: "", schedule: "HOURLY" }),
    );
    await waiting;
    expect(
      await updateUserSync(
        t.db,
        acme,
        id,
        input({ name: "Raced", domain: "acme.okta.com", token: "00oktatoken0002" }),
      ),
    ).toEqual({ ok: true, id });
    release();
    dns.gate = Promise.resolve();
    dns.waiting = () => {};
    expect(await blank).toMatchObject({ ok: false, fieldErrors: { token: [expect.any(String)] } });
    expect(await userSyncCredentials(t.db, id)).toEqual({
      provider: "OKTA",
      domain: "https://acme.okta.com",
      okta: { token: "00oktatoken0002" },
    });
    await deleteUserSync(t.db, acme, id);
  });

  it("lists each sync with its latest run that synced: a preview after it does not stand for it", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const run = (queuedAt: string, preview: boolean) =>
      t.db.syncRun.create({
        data: {
          organizationId: acme.organizationId,
          userSyncId: sync?.id ?? "",
          trigger: "MANUAL",
          status: "SUCCEEDED",
          queuedAt: new Date(queuedAt),
          preview,
          usersCreated: preview ? 500 : 3,
        },
      });
    const synced = await run("2026-12-01T10:00:00Z", false);
    await run("2026-12-01T11:00:00Z", true);
    const [listed] = await listUserSyncs(t.db, acme.organizationId);
    expect(listed?.runs.map((r) => [r.id, r.usersCreated])).toEqual([[synced.id, 3]]);
  });

  it("makes the next run list everything after the Domain Name or the Unique field changed, not after other edits", async () => {
    const [sync] = await listUserSyncs(t.db, acme.organizationId);
    const id = sync?.id ?? "";
    const listed = new Date("2026-12-05T10:00:00Z");
    const lastFull = async () => {
      const row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
      return row.lastFullSyncAt;
    };
    const markListed = () =>
      t.db.userSync.update({
        where: { id },
        data: { lastFullSyncAt: listed, lastSyncedFrom: listed, logCursor: listed },
      });
    const current = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    const saved = input({
      name: current.name,
      domain: current.domain,
      token: "",
      enrollmentType: current.enrollmentType,
      uniqueField: current.uniqueField,
    });

    await markListed();
    expect(await updateUserSync(t.db, acme, id, { ...saved, name: "Okta renamed" })).toMatchObject({
      ok: true,
    });
    expect(await lastFull()).toEqual(listed);
    const other = current.uniqueField === "EMAIL" ? ("USERNAME" as const) : ("EMAIL" as const);
    expect(await updateUserSync(t.db, acme, id, { ...saved, uniqueField: other })).toMatchObject({
      ok: true,
    });
    expect(await lastFull()).toBeNull();

    await markListed();
    const moved = { ...saved, uniqueField: other, domain: "https://initech.okta.com", token: TOKEN };
    expect(await updateUserSync(t.db, acme, id, moved)).toMatchObject({ ok: true });
    expect(await lastFull()).toBeNull();
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

describe("a sync connected with an OAuth 2.0 service app", () => {
  const pem = () =>
    generateKeyPairSync("ec", { namedCurve: "prime256v1" })
      .privateKey.export({ format: "pem", type: "pkcs8" })
      .toString();
  const KEY = pem();
  const CLIENT = "0oaServiceApp0000001";
  const app = (over: Record<string, unknown> = {}) =>
    input({
      name: "Okta service app",
      authMethod: "OAUTH_SERVICE_APP",
      token: "",
      clientId: CLIENT,
      privateKey: KEY,
      dpop: "true",
      ...over,
    });
  let id = "";

  it("keeps the key encrypted, bound to the domain and client ID, shown by its thumbprint only", async () => {
    const created = await createUserSync(t.db, acme, app());
    expect(created).toMatchObject({ ok: true });
    id = created.ok ? created.id : "";
    const row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ authMethod: "OAUTH_SERVICE_APP", clientId: CLIENT, dpop: true });
    const jwk = createPrivateKey(KEY).export({ format: "jwk" });
    expect(row.credentialHint).toBe(
      await calculateJwkThumbprint({ kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y }),
    );
    expect(row.credentialCiphertext).not.toContain(String(jwk.d));
    expect(() => decryptSecret(row.credentialCiphertext, row.domain)).toThrow(/does not decrypt/);
    expect(await userSyncCredentials(t.db, id)).toMatchObject({
      provider: "OKTA",
      okta: {
        serviceApp: {
          clientId: CLIENT,
          dpop: true,
          privateKey: expect.objectContaining({ d: jwk.d, alg: "ES256" }),
        },
      },
    });
    const shown = JSON.stringify(await getUserSync(t.db, acme.organizationId, id));
    expect(shown).not.toContain(String(jwk.d));
    expect(shown).not.toContain(row.credentialCiphertext);
  });

  it("puts a missing client ID and an unusable key on their fields, with the domain's problem, at once", async () => {
    expect(
      await createUserSync(t.db, acme, app({ name: "Other", clientId: "", domain: "acme-admin.okta.com" })),
    ).toMatchObject({
      ok: false,
      fieldErrors: { clientId: [expect.any(String)], domain: [expect.any(String)] },
    });
    const publicOnly = createPrivateKey(KEY).export({ format: "jwk" });
    const { d: _d, ...publicJwk } = publicOnly;
    expect(
      await createUserSync(t.db, acme, app({ name: "Other", privateKey: JSON.stringify(publicJwk) })),
    ).toMatchObject({ ok: false, fieldErrors: { privateKey: [expect.stringMatching(/public key/)] } });
    expect(await createUserSync(t.db, acme, app({ name: "Other", privateKey: "" }))).toMatchObject({
      ok: false,
      fieldErrors: { privateKey: [expect.any(String)] },
    });
    expect(await createUserSync(t.db, acme, app({ name: "Other", clientId: "", privateKey: "" }))).toEqual({
      ok: false,
      message: "Check the highlighted fields.",
      fieldErrors: { clientId: [expect.any(String)], privateKey: [expect.any(String)] },
    });
  });

  it("keeps the saved key on an edit with it left blank; DPoP may change, the client ID and domain may not", async () => {
    const before = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(await updateUserSync(t.db, acme, id, app({ privateKey: "", dpop: "false" }))).toEqual({
      ok: true,
      id,
    });
    const kept = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(kept.credentialCiphertext).toBe(before.credentialCiphertext);
    expect(kept.dpop).toBe(false);
    for (const moved of [{ clientId: "0oaOtherApp000000002" }, { domain: "globex.okta.com" }]) {
      expect(await updateUserSync(t.db, acme, id, app({ privateKey: "", ...moved }))).toMatchObject({
        ok: false,
        fieldErrors: { privateKey: [expect.stringMatching(/Paste the private key again/)] },
      });
    }
    // Nor may the key become a "token" for the same domain.
    expect(
      await updateUserSync(t.db, acme, id, app({ authMethod: "API_TOKEN", privateKey: "" })),
    ).toMatchObject({
      ok: false,
      fieldErrors: { token: [expect.stringMatching(/Enter the API Token again/)] },
    });
    expect((await t.db.userSync.findUniqueOrThrow({ where: { id } })).credentialCiphertext).toBe(
      before.credentialCiphertext,
    );
  });

  it("does not decrypt a key whose row was pointed at another app behind the application's back", async () => {
    await t.db.userSync.update({ where: { id }, data: { clientId: "0oaAttacker000000003" } });
    await expect(userSyncCredentials(t.db, id)).rejects.toThrow(/does not decrypt/);
    await t.db.userSync.update({ where: { id }, data: { clientId: CLIENT } });
    expect(await userSyncCredentials(t.db, id)).toHaveProperty("okta.serviceApp.clientId", CLIENT);
  });

  it("moves to an API token when one is typed, and the saved key goes with the change", async () => {
    expect(
      await updateUserSync(t.db, acme, id, app({ authMethod: "API_TOKEN", token: TOKEN, privateKey: "" })),
    ).toEqual({ ok: true, id });
    const row = await t.db.userSync.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ authMethod: "API_TOKEN", clientId: null, credentialHint: "wxyz" });
    expect(await userSyncCredentials(t.db, id)).toHaveProperty("okta", { token: TOKEN });
    await deleteUserSync(t.db, acme, id);
  });
});
