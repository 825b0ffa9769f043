// Needs attention: the Okta users a sync does not import (a duplicate Unique field, no email,
// invalid data), with the colliding users and the fix, across runs; fixed in Okta, each entry
// clears on the next SYNC DATA. Against the production build, its Inngest runner and a fake Okta org.
import type { Page } from "@playwright/test";
import type { SyncRun } from "@/lib/db";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { expectAccessible } from "./support/a11y";
import { createOrganization, type Organization, signInAs } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { createSync, runFrom } from "./support/world";

test.describe.configure({ mode: "serial" });
// The width the pages are checked at.
test.use({ viewport: { width: 1280, height: 900 } });

const ADA = "00uada0000000000000001";
const BEN = "00uben0000000000000002";
const CAT = "00ucat0000000000000003";
const CY = "00ucy00000000000000004";
const DEE = "00udee0000000000000005";
const EVE = "00ueve0000000000000006";
const SHARED = "shared@attention.test";
// Okta text is anyone's to write: a refused user's name must show as text.
const MARKUP = `<img src=x onerror="alert('attention')">`;

const person = (id: string, login: string, email: string | null, firstName: string) => ({
  id,
  status: "ACTIVE",
  profile: { login: `${login}@attention.test`, email, firstName, lastName: "Tester" },
});

let okta: FakeOkta;
let org: Organization;
let syncId: string;

test.beforeAll(async ({ stack }) => {
  okta = await startFakeOkta({
    token: "00attention-okta-token-0123456789abcdef",
    data: {
      users: [
        // Three users with one email: Ada, listed first, keeps it.
        person(ADA, "ada", SHARED, "Ada"),
        person(BEN, "ben", SHARED, "Ben"),
        person(CAT, "cat", SHARED.toUpperCase(), "Cat"),
        person(CY, "cy", null, MARKUP),
        person(DEE, "dee", "dee at attention.test", "Dee"),
        person(EVE, "eve", "eve@attention.test", "Eve"),
      ],
      groups: [],
    },
  });
  org = await createOrganization(stack.db, "Attention");
  syncId = (await createSync(stack, org.id, okta, "Okta attention")).id;
});
test.afterAll(async () => {
  await okta?.close();
});

/** SYNC DATA on the sync's page: the run it started, finished. */
async function syncData(stack: Stack, page: Page): Promise<SyncRun> {
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}`);
  return runFrom(stack, page, syncId, page.getByRole("button", { name: "SYNC DATA", exact: true }));
}

/** The sync report of a run, once sent. */
async function reportOf(stack: Stack, run: SyncRun): Promise<string> {
  await expect
    .poll(() => stack.db.email.count({ where: { syncRunId: run.id, template: "sync-report" } }), {
      timeout: 30_000,
    })
    .toBe(1);
  const email = await stack.db.email.findFirstOrThrow({
    where: { syncRunId: run.id, template: "sync-report" },
  });
  return email.text;
}

/** Opens a page and proves that no markup from Okta ran or was injected. */
async function expectInert(page: Page) {
  const injected = await page.evaluate(() => document.querySelectorAll("img[src='x'], [onerror]").length);
  expect(injected, `${page.url()}: an injected element`).toBe(0);
}

test("lists the Okta users a sync does not import with the colliding users and the fix, and clears each once fixed in Okta", async ({
  stack,
  page,
}) => {
  test.setTimeout(240_000);
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await signInAs(page, stack.url, org.admin.email);

  const first = await syncData(stack, page);
  expect(first).toMatchObject({ mode: "FULL", status: "PARTIAL", usersCreated: 2, usersFailed: 4 });
  const callout = page.getByRole("region", { name: "4 Okta users not imported" });
  await expect(callout).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("sync-page.png"), fullPage: true });
  await expectAccessible(page);
  await callout.getByRole("link", { name: "Needs attention (4)" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Needs attention" })).toBeVisible();
  const fixes = page.getByRole("region", { name: "How to fix" });
  await expect(fixes).toContainText("Same email as another Okta user (2)");
  await expect(fixes).toContainText("Give each Okta user their own email");
  await expect(fixes).toContainText("switch the Unique field to Username (EDIT) and click Full resync");
  await expect(fixes).toContainText("No email (1)");
  await expect(fixes).toContainText("Give the user an email in Okta");
  await expect(fixes).toContainText("Invalid data (1)");

  const table = page.getByRole("table", { name: "Okta users not imported" });
  const rows = table.getByRole("row");
  await expect(rows).toHaveCount(5);
  const row = (name: string) => rows.filter({ has: page.getByRole("cell", { name, exact: true }) });
  const ada = await stack.db.directoryUser.findFirstOrThrow({
    where: { userSyncId: syncId, externalId: ADA },
  });
  for (const [name, email] of [
    ["Ben Tester", SHARED],
    ["Cat Tester", SHARED.toUpperCase()],
  ] as const) {
    await expect(row(name).getByRole("cell").nth(1)).toHaveText(email);
    await expect(row(name).getByRole("cell").nth(2)).toHaveText("Same email as Ada Tester");
    // The colliding user's page, in the dashboard.
    await expect(row(name).getByRole("link", { name: "Ada Tester" })).toHaveAttribute(
      "href",
      `/user-management/users/${ada.id}`,
    );
  }
  await expect(row(`${MARKUP} Tester`).getByRole("cell").nth(2)).toHaveText("No email");
  await expect(row("Dee Tester").getByRole("cell").nth(2)).toHaveText("The email is not a valid address");
  // First and last seen: the run, linked.
  const seen = row("Dee Tester").getByRole("link", { name: /^\d{4}-\d\d-\d\d \d\d:\d\d$/ });
  await expect(seen).toHaveCount(2);
  for (const link of await seen.all())
    await expect(link).toHaveAttribute("href", `/user-management/user-sync/${syncId}/runs/${first.id}`);
  await expectInert(page);
  await page.screenshot({ path: test.info().outputPath("needs-attention.png"), fullPage: true });
  await expectAccessible(page);

  // The problems filter the list, by keyboard.
  const problems = page.getByRole("navigation", { name: "Problems" });
  await problems.getByRole("link", { name: "Same email as another Okta user (2)" }).focus();
  await page.keyboard.press("Enter");
  await expect(problems.getByRole("link", { name: "Same email as another Okta user (2)" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await expect(rows).toHaveCount(3);

  // The report of the run links to the list.
  const report = await reportOf(stack, first);
  expect(report).toContain("4 Okta users of this sync are not imported now");
  expect(report).toContain(`${stack.url}/user-management/user-sync/${syncId}/attention`);

  // In Okta: Ben, Cy and Dee are fixed; Cat still shares Ada's email.
  okta.directory.updateUser(BEN, { email: "ben@attention.test" });
  okta.directory.updateUser(CY, { email: "cy@attention.test" });
  okta.directory.updateUser(DEE, { email: "dee@attention.test" });
  const second = await syncData(stack, page);
  expect(second).toMatchObject({ mode: "INCREMENTAL", status: "SUCCEEDED", usersCreated: 3, usersFailed: 0 });
  await page.getByRole("link", { name: "Needs attention (1)" }).click();
  await expect(rows).toHaveCount(2);
  await expect(row("Cat Tester")).toBeVisible();
  // A delta run lists only what changed in Okta: Cat did not, and was last seen by the first run.
  await expect(
    row("Cat Tester")
      .getByRole("link", { name: /^\d{4}-/ })
      .last(),
  ).toHaveAttribute("href", `/user-management/user-sync/${syncId}/runs/${first.id}`);

  okta.directory.updateUser(CAT, { email: "cat@attention.test" });
  const third = await syncData(stack, page);
  expect(third).toMatchObject({ status: "SUCCEEDED", usersCreated: 1 });
  await expect(page.getByRole("region", { name: /not imported/ })).toHaveCount(0);
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}/attention`);
  await expect(page.getByRole("heading", { name: "Every Okta user is imported" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("every-user-imported.png"), fullPage: true });
  await expectAccessible(page);
  expect(await reportOf(stack, third)).not.toContain("/attention");
  expect(dialogs).toEqual([]);
});
