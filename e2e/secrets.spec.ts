// The Okta API token is typed once and then only decrypted for Okta. After testing the connection,
// creating the sync, opening every page and running a sync (through the local runner, against a
// fake Okta that accepts only this token), the token is searched for everywhere it could leak: page
// HTML and RSC payloads, action answers and error messages, the client bundles, the app's log, the
// outbox, the database, and the runner's run state and API (Inngest step outputs).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { startFakeOkta } from "@/scripts/fake-okta";
import { getJson } from "@/scripts/inngest-runner/testing/harness";
import { answerOf, callAction, client, serverActions, signInOverHttp } from "./support/actions";
import { createOrganization, PASSWORD } from "./support/organizations";
import { expect, test } from "./support/stack-fixture";
import { runnerIdle } from "./support/world";

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });

test("the API token appears nowhere but in Okta's Authorization header", async ({ stack }) => {
  const TOKEN = `00Sekr3t${Date.now().toString(36)}ApiToken0123456789abcd`;
  // What may be shown is the last four characters; everything before them must never appear.
  const needle = TOKEN.slice(0, -4);
  const okta = await startFakeOkta({ users: 15, groups: 3, seed: 11, token: TOKEN });
  const seen: [string, string][] = []; // [where, text]
  try {
    const org = await createOrganization(stack.db, "Secretive");
    const http = await client(stack.url);
    await signInOverHttp(http, org.admin.email, PASSWORD);
    const action = (name: string) => {
      const found = serverActions().find((a) => a.name === name);
      if (!found) throw new Error(`${name} is not in the build`);
      return found;
    };
    const form = {
      domain: okta.url,
      token: TOKEN,
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
    // The edit page shows the last four characters and nothing more.
    expect(seen.find(([where]) => where === `HTML of /user-management/user-sync/${sync.id}`)?.[1]).toContain(
      `•••• ${TOKEN.slice(-4)}`,
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
    const leaks = seen.filter(([, text]) => text.includes(needle)).map(([where]) => where);
    expect(leaks).toEqual([]);
  } finally {
    await okta.close();
  }
});
