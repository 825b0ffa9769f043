// Test connection on EDIT for Entra ID and Google Workspace, called as the browser calls it
// (FormData, an Administrator's session): with the secret left blank, the saved one is used, for
// what it was saved with only; against the fakes the development switches point the clients at.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MemberContext } from "@/lib/auth/member";
import type { Db } from "@/lib/db";
import { OTHER_CERTIFICATE, pemBlock, TEST_CERTIFICATE } from "@/lib/entra/testing";
import { createEntraSync, createGoogleSync, updateEntraSync } from "@/lib/user-sync/directories";
import { entraSyncInput, googleSyncInput } from "@/lib/user-sync/form";
import { userSyncCredentials } from "@/lib/user-sync/service";
import { type FakeEntra, startFakeEntra } from "@/scripts/fake-entra";
import { type FakeGoogle, startFakeGoogle } from "@/scripts/fake-google";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createAdministrator } from "@/test-support/members";

const session = vi.hoisted(() => ({ member: null as MemberContext | null, db: null as Db | null }));
vi.mock("@/lib/auth/member", () => ({ getMemberContext: async () => session.member }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => session.db,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

const { createEntraSyncAction, testEntraConnectionAction, testGoogleConnectionAction } = await import(
  "./directory-actions"
);

const SETTINGS = { enrollmentType: "ONLY_SYNC", uniqueField: "EMAIL" } as const;
let t: TestDb;
let entra: FakeEntra;
let google: FakeGoogle;
let entraSyncId: string;
let googleSyncId: string;

const form = (values: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(values)) data.set(name, value);
  return data;
};

beforeAll(async () => {
  vi.stubEnv("TOKEN_ENCRYPTION_KEYS", `test:${Buffer.alloc(32, 5).toString("base64")}`);
  t = await createTestDb();
  session.db = t.db;
  [entra, google] = await Promise.all([
    startFakeEntra({ users: 3, groups: 1 }),
    startFakeGoogle({ users: 3, groups: 1 }),
  ]);
  vi.stubEnv("ENTRA_DEV_URL", entra.url);
  vi.stubEnv("GOOGLE_DEV_URL", google.url);
  session.member = await createAdministrator(t.db, { slug: "acme", organizationName: "Acme" });
  const entraSync = await createEntraSync(
    t.db,
    session.member,
    entraSyncInput.parse({
      name: "Entra",
      tenantId: entra.tenantId,
      clientId: entra.app.clientId,
      clientSecret: entra.app.secrets[0]?.value,
      ...SETTINGS,
    }),
  );
  const googleSync = await createGoogleSync(
    t.db,
    session.member,
    googleSyncInput.parse({
      name: "Google",
      serviceAccountKey: google.demoKey,
      adminEmail: google.adminEmail,
      customerId: "",
      ...SETTINGS,
    }),
  );
  if (!entraSync.ok || !googleSync.ok) throw new Error(JSON.stringify({ entraSync, googleSync }));
  entraSyncId = entraSync.id;
  googleSyncId = googleSync.id;
});
afterAll(async () => {
  await Promise.all([entra?.close(), google?.close()]);
  await t?.close();
});

describe("Test connection on EDIT with the secret left blank", () => {
  it("Entra ID: uses the saved client secret for its tenant and client ID", async () => {
    const typed = { tenantId: entra.tenantId, clientId: entra.app.clientId, clientSecret: "" };
    const result = await testEntraConnectionAction(undefined, form({ ...typed, userSyncId: entraSyncId }));
    expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected to tenant/) });
  });

  it("Google Workspace: uses the saved key for its admin and customer", async () => {
    const typed = { adminEmail: google.adminEmail, customerId: "", serviceAccountKey: "" };
    const result = await testGoogleConnectionAction(undefined, form({ ...typed, userSyncId: googleSyncId }));
    expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected as /) });
  });

  it("Google Workspace: sends the saved key for no other admin, and says to paste it again", async () => {
    google.clearRequests();
    const typed = { adminEmail: "someone-else@example.com", customerId: "", serviceAccountKey: "" };
    const result = await testGoogleConnectionAction(undefined, form({ ...typed, userSyncId: googleSyncId }));
    expect(result).toMatchObject({
      ok: false,
      fieldErrors: { serviceAccountKey: [expect.stringMatching(/Paste the key file again/)] },
    });
    expect(google.requests).toEqual([]);
  });

  it("Google Workspace: another organization's sync lends it nothing", async () => {
    const typed = { adminEmail: google.adminEmail, customerId: "", serviceAccountKey: "" };
    const admin = session.member;
    session.member = await createAdministrator(t.db, { slug: "other", organizationName: "Other" });
    try {
      const result = await testGoogleConnectionAction(
        undefined,
        form({ ...typed, userSyncId: googleSyncId }),
      );
      expect(result).toMatchObject({ ok: false, fieldErrors: { serviceAccountKey: [expect.any(String)] } });
    } finally {
      session.member = admin;
    }
  });
});

describe("an Entra ID sync with a certificate", () => {
  const certificateSync = (certificate: string, name = "Entra certificate") =>
    entraSyncInput.parse({
      name,
      tenantId: entra.tenantId,
      clientId: entra.app.clientId,
      authMethod: "CERTIFICATE",
      certificate,
      ...SETTINGS,
    });
  let syncId: string;
  beforeAll(async () => {
    entra.addCertificate(entra.app.clientId, pemBlock(TEST_CERTIFICATE, "CERTIFICATE"));
    const created = await createEntraSync(
      t.db,
      session.member as MemberContext,
      certificateSync(TEST_CERTIFICATE),
    );
    if (!created.ok) throw new Error(JSON.stringify(created));
    syncId = created.id;
  });

  it("is saved sealed, shown by the certificate's SHA-1 thumbprint and expiry only", async () => {
    const row = await t.db.userSync.findUniqueOrThrow({ where: { id: syncId } });
    expect(row).toMatchObject({
      authMethod: "CERTIFICATE",
      credentialHint: expect.stringMatching(/^[0-9A-F]{40}$/),
      credentialExpiresAt: expect.any(Date),
    });
    expect(row.credentialExpiresAt?.getUTCFullYear()).toBeGreaterThan(2100);
    const body = pemBlock(TEST_CERTIFICATE, "PRIVATE KEY").split("\n")[1] ?? "";
    expect(row.credentialCiphertext).not.toContain(body);
    const credential = await userSyncCredentials(t.db, syncId);
    expect(credential).toMatchObject({
      provider: "ENTRA_ID",
      entra: { certificate: expect.stringContaining(body) },
    });
  });

  it("CREATE refuses a certificate without its key, on its field, and echoes neither field back", async () => {
    const result = await createEntraSyncAction(
      undefined,
      form({
        name: "Entra bad",
        tenantId: entra.tenantId,
        clientId: entra.app.clientId,
        authMethod: "CERTIFICATE",
        certificate: pemBlock(TEST_CERTIFICATE, "CERTIFICATE"),
        ...SETTINGS,
      }),
    );
    expect(result).toMatchObject({
      ok: false,
      fieldErrors: { certificate: [expect.stringMatching(/private key/)] },
    });
    expect(result.values).not.toHaveProperty("certificate");
  });

  it("Test connection on EDIT uses the saved certificate, and EDIT keeps it when left blank", async () => {
    const typed = { tenantId: entra.tenantId, clientId: entra.app.clientId, authMethod: "CERTIFICATE" };
    const tested = await testEntraConnectionAction(
      undefined,
      form({ ...typed, certificate: "", userSyncId: syncId }),
    );
    expect(tested).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected to tenant/) });
    const before = await t.db.userSync.findUniqueOrThrow({ where: { id: syncId } });
    const saved = await updateEntraSync(t.db, session.member as MemberContext, syncId, certificateSync(""));
    expect(saved).toEqual({ ok: true, id: syncId });
    const after = await t.db.userSync.findUniqueOrThrow({ where: { id: syncId } });
    expect(after.credentialCiphertext).toBe(before.credentialCiphertext);
  });

  it("EDIT keeps no saved credential of the other kind: a secret is not a certificate", async () => {
    const member = session.member as MemberContext;
    const toSecret = await updateEntraSync(t.db, member, syncId, {
      ...certificateSync(""),
      authMethod: "CLIENT_SECRET",
    });
    expect(toSecret).toMatchObject({
      ok: false,
      fieldErrors: { clientSecret: [expect.stringMatching(/again/)] },
    });
    const toCertificate = await updateEntraSync(t.db, member, entraSyncId, certificateSync("", "Entra"));
    expect(toCertificate).toMatchObject({
      ok: false,
      fieldErrors: { certificate: [expect.stringMatching(/again/)] },
    });
  });

  it("EDIT with a new certificate saves it, and Test connection says Entra does not know it", async () => {
    const member = session.member as MemberContext;
    const typed = { tenantId: entra.tenantId, clientId: entra.app.clientId, authMethod: "CERTIFICATE" };
    const tested = await testEntraConnectionAction(
      undefined,
      form({ ...typed, certificate: OTHER_CERTIFICATE }),
    );
    expect(tested).toMatchObject({
      ok: false,
      fieldErrors: { certificate: [expect.stringMatching(/did not accept the certificate/)] },
    });
    const before = await t.db.userSync.findUniqueOrThrow({ where: { id: syncId } });
    expect(await updateEntraSync(t.db, member, syncId, certificateSync(OTHER_CERTIFICATE))).toEqual({
      ok: true,
      id: syncId,
    });
    const after = await t.db.userSync.findUniqueOrThrow({ where: { id: syncId } });
    expect(after.credentialHint).not.toBe(before.credentialHint);
  });
});
