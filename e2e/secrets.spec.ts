// The Okta credential, an API token or a service app's private key, is typed once and then only
// decrypted for Okta. After testing the connection, creating the sync, opening every page and
// running a sync (through the local runner, against a fake Okta that accepts only this credential),
// it is searched for everywhere it could leak: page HTML and RSC payloads, action answers and error
// messages, the client bundles, the app's log, the outbox, the database, and the runner's run state
// and API (Inngest step outputs). For a service app, so is every client assertion, access token and
// DPoP proof the app sent (recorded on the wire by a proxy in front of the fake).

import { createPrivateKey } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { recordingProxy } from "@/lib/okta/testing";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { getJson } from "@/scripts/inngest-runner/testing/harness";
import { testServiceApp } from "@/test-support/service-app";
import { answerOf, callAction, client, serverActions, signInOverHttp } from "./support/actions";
import { createOrganization, PASSWORD } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { runnerIdle } from "./support/world";

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });

/** How the sync connects, what may be shown of the credential, and what must never be. */
interface Connection {
  /** The organization's name. */
  organization: string;
  domain: string;
  fields: Record<string, string>;
  shown: string;
  /** Read once the sync has run: everything secret it sent. */
  needles: () => string[];
}

test("the API token appears nowhere but in Okta's Authorization header", async ({ stack }) => {
  const TOKEN = `00Sekr3t${Date.now().toString(36)}ApiToken0123456789abcd`;
  const okta = await startFakeOkta({ users: 15, groups: 3, seed: 11, token: TOKEN });
  try {
    // What may be shown is the last four characters; everything before them must never appear.
    await expectNoLeak(stack, okta, {
      organization: "Secretive token",
      domain: okta.url,
      fields: { token: TOKEN },
      shown: `•••• ${TOKEN.slice(-4)}`,
      needles: () => [TOKEN.slice(0, -4)],
    });
  } finally {
    await okta.close();
  }
});

test("a service app's private key, assertions, access tokens and proofs appear nowhere", async ({
  stack,
}) => {
  const app = testServiceApp({ resourceDpopNonce: true });
  const okta = await startFakeOkta({ users: 15, groups: 3, seed: 11, serviceApps: [app.fake] });
  const wire = await recordingProxy(okta.url);
  const jwk = createPrivateKey(app.privateKey).export({ format: "jwk" });
  const pemBody = app.privateKey.replace(/-----[^-]+-----|\s/g, "");
  try {
    await expectNoLeak(stack, okta, {
      organization: "Secretive app",
      domain: wire.url,
      fields: {
        authMethod: "OAUTH_SERVICE_APP",
        clientId: app.clientId,
        privateKey: app.privateKey,
        dpop: "true",
      },
      shown: app.clientId,
      needles: () => {
        // The client sent assertions, access tokens and proofs: each is a needle.
        expect(wire.sent.length).toBeGreaterThan(5);
        return [String(jwk.d), pemBody.slice(20, 60), ...new Set(wire.sent)];
      },
    });
  } finally {
    await wire.close();
    await okta.close();
  }
});

async function expectNoLeak(stack: Stack, okta: FakeOkta, connection: Connection) {
  const seen: [string, string][] = []; // [where, text]
  {
    const org = await createOrganization(stack.db, connection.organization);
    const http = await client(stack.url);
    await signInOverHttp(http, org.admin.email, PASSWORD);
    const action = (name: string) => {
      const found = serverActions().find((a) => a.name === name);
      if (!found) throw new Error(`${name} is not in the build`);
      return found;
    };
    const form = {
      domain: connection.domain,
      ...connection.fields,
      enrollmentType: "SEND_ENROLLMENT_EMAIL",
      uniqueField: "EMAIL",
    };
    const newPage = "/user-management/user-sync/new/okta";

    // Test connection: success, a wrong domain, and a form that fails validation, all with the token.
    const tested = await callAction(http, action("testConnectionAction"), newPage, form, { withState: true });
    expect(answerOf(tested)?.message).toMatch(/^Connected/);
    const unreachable = { ...form, domain: "http://127.0.0.1:9" };
    for (const [name, fields] of [
      ["test connection", form],
      ["test connection, unreachable", unreachable],
      ["create, invalid", { ...form, name: "", enrollmentType: "nonsense" }],
    ] as const) {
      const call = await callAction(
        http,
        action(name.startsWith("create") ? "createUserSyncAction" : "testConnectionAction"),
        newPage,
        fields,
        { withState: true },
      );
      seen.push([`answer of ${name}`, call.body]);
    }

    // Create it, run it, and let the runner finish (report and invitation emails included).
    const created = await callAction(
      http,
      action("createUserSyncAction"),
      newPage,
      { ...form, name: "Secret Okta" },
      { withState: true },
    );
    seen.push(["answer of create", created.body]);
    const sync = await stack.db.userSync.findFirstOrThrow({ where: { organizationId: org.id } });
    const started = await callAction(
      http,
      action("startSyncAction"),
      `/user-management/user-sync/${sync.id}`,
      { userSyncId: sync.id },
      { withState: true },
    );
    seen.push(["answer of SYNC DATA", started.body]);
    await runnerIdle(stack);
    const run = await stack.db.syncRun.findFirstOrThrow({ where: { userSyncId: sync.id } });
    expect(["SUCCEEDED", "PARTIAL"]).toContain(run.status);
    expect(okta.requests.length).toBeGreaterThan(3);

    // Every page an admin can open about it, as HTML and as the RSC payload a client navigation gets.
    const emails = await stack.db.email.findMany({ where: { organizationId: org.id } });
    expect(emails.length).toBeGreaterThan(1);
    const pages = [
      "/user-management/user-sync",
      `/user-management/user-sync/${sync.id}`,
      `/user-management/user-sync/${sync.id}/edit`,
      `/user-management/user-sync/${sync.id}/runs/${run.id}`,
      `/api/sync-runs/${run.id}`,
      `/api/sync-runs/${run.id}/export?items=changes`,
      `/api/sync-runs/${run.id}/export?items=errors`,
      "/user-management/users",
      "/api/users/export",
      "/mailbox",
      ...emails.map((e) => `/mailbox/${e.id}`),
    ];
    for (const page of pages) {
      const html = await http.get(page);
      expect(html.status(), page).toBe(200);
      seen.push([`HTML of ${page}`, await html.text()]);
      seen.push([`RSC of ${page}`, await (await http.get(page, { headers: { RSC: "1" } })).text()]);
    }
    // The sync's page shows what may be shown of the credential and nothing more.
    expect(seen.find(([where]) => where === `HTML of /user-management/user-sync/${sync.id}`)?.[1]).toContain(
      connection.shown,
    );

    // The client bundles.
    for (const file of filesUnder(path.resolve(".next/static")))
      seen.push([file, readFileSync(file, "utf8")]);
    // The app's log.
    seen.push(["the app's stdout and stderr", stack.output()]);
    // The database: the outbox, runs, their items, the audit log, the sync row itself.
    const { db } = stack;
    seen.push(["Email rows", JSON.stringify(emails)]);
    seen.push([
      "SyncRun rows",
      JSON.stringify(await db.syncRun.findMany({ where: { organizationId: org.id } })),
    ]);
    seen.push([
      "SyncRunItem rows",
      JSON.stringify(await db.syncRunItem.findMany({ where: { syncRunId: run.id } })),
    ]);
    seen.push([
      "AuditEvent rows",
      JSON.stringify(await db.auditEvent.findMany({ where: { organizationId: org.id } })),
    ]);
    seen.push([
      "UserSync row",
      JSON.stringify(await db.userSync.findMany({ where: { organizationId: org.id } })),
    ]);
    // The runner: its run state files and its API (every step's output is there).
    for (const file of filesUnder(stack.runnerDataDir)) seen.push([file, readFileSync(file, "utf8")]);
    const runs = await getJson<{ id: string }[]>(`${stack.runner.url}/runs`);
    for (const { id } of runs)
      seen.push([`GET /runs/${id}`, JSON.stringify(await getJson(`${stack.runner.url}/runs/${id}`))]);

    expect(seen.length).toBeGreaterThan(30);
    const needles = connection.needles();
    const leaks = seen
      .filter(([, text]) => needles.some((needle) => text.includes(needle)))
      .map(([where]) => where);
    expect(leaks).toEqual([]);
  }
}
