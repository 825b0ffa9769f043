// Test connection, called as the browser calls it (FormData, an Administrator's session), against a
// real fake Okta holding the saved token and a hostile server on 127.0.0.1 recording what reaches it;
// and SYNC DATA / Full resync as their buttons post them.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { MemberContext } from "@/lib/auth/member";
import type { Db } from "@/lib/db";
import { tinyServer } from "@/lib/okta/testing";
import { userSyncInput } from "@/lib/user-sync/form";
import { createUserSync } from "@/lib/user-sync/service";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createAdministrator } from "@/test-support/members";
import { type TestServiceApp, testServiceApp } from "@/test-support/service-app";

const session = vi.hoisted(() => ({ member: null as MemberContext | null, db: null as Db | null }));
vi.mock("@/lib/auth/member", () => ({ getMemberContext: async () => session.member }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => session.db,
}));

// Runs are handed to a stand-in for Inngest; pages are not revalidated outside Next.
vi.mock("@/inngest/client", () => ({ inngest: { send: async () => ({ ids: ["e"] }) } }));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

const { startSyncAction, testConnectionAction } = await import("./actions");

let t: TestDb;
let okta: FakeOkta;
let hostile: Awaited<ReturnType<typeof tinyServer>>;
/** The Authorization header of every request the hostile server received. */
const stolen: (string | undefined)[] = [];
/** Every request the hostile server received: method and path. */
const reached: string[] = [];
let userSyncId: string;

const form = (values: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(values)) data.set(name, value);
  return data;
};
const testConnection = (values: Record<string, string>) => testConnectionAction(undefined, form(values));

beforeAll(async () => {
  vi.stubEnv("TOKEN_ENCRYPTION_KEYS", `test:${Buffer.alloc(32, 5).toString("base64")}`);
  vi.stubEnv("OKTA_ALLOW_INSECURE_LOCALHOST", "1");
  t = await createTestDb();
  session.db = t.db;
  okta = await startFakeOkta({ users: 5, groups: 1, token: "00savedtoken-never-leaves-its-okta-abcd" });
  // Looks like an Okta org to the unauthenticated first request, so a client goes on to send its token.
  hostile = await tinyServer((req, res) => {
    stolen.push(req.headers.authorization);
    reached.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "00oHostile" }));
  });
  session.member = await createAdministrator(t.db, { slug: "acme", organizationName: "Acme" });
  const created = await createUserSync(
    t.db,
    session.member,
    userSyncInput.parse({
      name: "Okta",
      domain: okta.url,
      token: okta.token,
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    }),
  );
  if (!created.ok) throw new Error(created.message);
  userSyncId = created.id;
});
afterAll(async () => {
  await hostile?.close();
  await okta?.close();
  await t?.close();
});

describe("Test connection on EDIT", () => {
  it("uses the saved token for the domain it was saved with, however retyped", async () => {
    const result = await testConnection({ domain: `${okta.url.toUpperCase()}/`, token: "", userSyncId });
    expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected/) });
  });

  it("sends the saved token to no other domain: a blank token is refused on the API Token field", async () => {
    const result = await testConnection({ domain: hostile.url, token: "", userSyncId });
    expect(stolen.filter(Boolean)).toEqual([]);
    expect(result).toMatchObject({
      ok: false,
      fieldErrors: { token: [expect.stringMatching(/Enter the API Token again/)] },
    });
    expect(JSON.stringify(result)).not.toContain(okta.token);
  });

  it("tests another domain with the token typed for it", async () => {
    const result = await testConnection({ domain: hostile.url, token: "00typed-for-this-host", userSyncId });
    expect(result.ok).toBe(false);
    expect(stolen).toContain("SSWS 00typed-for-this-host");
    expect(stolen.join()).not.toContain(okta.token);
  });
});

describe("Test connection of a service app on EDIT", () => {
  let app: TestServiceApp;
  let appSyncId: string;
  const typed = (values: Record<string, string>) =>
    testConnection({
      authMethod: "OAUTH_SERVICE_APP",
      domain: okta.url,
      clientId: app.clientId,
      userSyncId: appSyncId,
      ...values,
    });

  beforeAll(async () => {
    app = testServiceApp();
    okta.addServiceApp(app.fake);
    const member = session.member;
    if (!member) throw new Error("no session");
    const created = await createUserSync(
      t.db,
      member,
      userSyncInput.parse({
        name: "Okta service app",
        domain: okta.url,
        authMethod: "OAUTH_SERVICE_APP",
        clientId: app.clientId,
        privateKey: app.privateKey,
        dpop: "true",
        enrollmentType: "ONLY_SYNC",
        uniqueField: "EMAIL",
      }),
    );
    if (!created.ok) throw new Error(created.message);
    appSyncId = created.id;
  });

  it("uses the saved key for its domain and client ID, with the DPoP setting typed", async () => {
    expect(await typed({ dpop: "true" })).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^Connected .*: the service app can read users and groups/),
    });
    expect(await typed({ dpop: "false" })).toMatchObject({
      ok: false,
      fieldErrors: { dpop: [expect.stringMatching(/requires DPoP/)] },
    });
  });

  it("sends nothing signed with the saved key to another domain or for another client ID", async () => {
    reached.length = 0;
    const others: Record<string, string>[] = [{ domain: hostile.url }, { clientId: "0oaSomeoneElse000001" }];
    for (const other of others) {
      expect(await typed({ dpop: "true", ...other })).toMatchObject({
        ok: false,
        fieldErrors: { privateKey: [expect.stringMatching(/Paste the private key again/)] },
      });
    }
    expect(reached).toEqual([]);
  });

  it("puts a pasted key Okta does not hold on the Private key field", async () => {
    const other = testServiceApp();
    const result = await typed({ dpop: "true", privateKey: other.privateKey });
    expect(result).toMatchObject({
      ok: false,
      fieldErrors: { privateKey: [expect.stringMatching(/public key/)] },
    });
    expect(JSON.stringify(result)).not.toContain(other.privateKey.slice(40, 80));
  });
});

describe("SYNC DATA and Full resync", () => {
  /** Starts a run as the button posts it; the run's requested state, and the sync freed again. */
  async function start(values: Record<string, string>) {
    const answer = await startSyncAction(undefined, form({ userSyncId, ...values }));
    const run = await session.db?.syncRun.findFirst({ where: { userSyncId }, orderBy: { queuedAt: "desc" } });
    await session.db?.userSync.update({ where: { id: userSyncId }, data: { activeRunId: null } });
    return {
      answer,
      forceFull: (run?.checkpoint as { forceFull?: boolean } | undefined)?.forceFull,
      runId: run?.id,
    };
  }

  it("SYNC DATA lets the run read what changed; Full resync forces a full run", async () => {
    const syncData = await start({});
    expect(syncData).toMatchObject({ answer: { ok: true }, forceFull: false });
    const full = await start({ full: "true" });
    expect(full).toMatchObject({ answer: { ok: true }, forceFull: true });
    expect(full.runId).not.toBe(syncData.runId);
  });

  it("refuses a full flag that is not a yes or no, and starts nothing", async () => {
    const before = await session.db?.syncRun.count({ where: { userSyncId } });
    const refused = await startSyncAction(undefined, form({ userSyncId, full: "everything" }));
    expect(refused).toMatchObject({ ok: false, fieldErrors: { full: [expect.any(String)] } });
    expect(await session.db?.syncRun.count({ where: { userSyncId } })).toBe(before);
  });
});
