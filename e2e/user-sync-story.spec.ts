import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { signIn } from "./support/auth";
import { changeOkta, DEMO_OKTA_TOKEN, DEMO_OKTA_URL } from "./support/demo-okta";
import { syncAndWait } from "./support/runs";
import { cellUnder } from "./support/tables";

// The help page's whole story, in order: one test, since each step builds on the last.
test.describe.configure({ mode: "serial" });

/**
 * Checks the page with axe and pictures it: in the test's output, and in SCREENSHOTS_DIR when set
 * (`npm run screenshots` sets docs/images, whose pictures the README and the admin guide show).
 */
async function snap(page: Page, name: string) {
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
  const docs = process.env.SCREENSHOTS_DIR;
  if (docs) await page.screenshot({ path: join(docs, `${name}.png`), fullPage: true });
}

test("an Administrator connects Okta Workspace, syncs, and sees updates and deletions after the next sync", async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signIn(page, "admin");
  const nav = page.getByRole("navigation", { name: "Main" });

  await nav.getByRole("link", { name: "User Sync" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "User Sync" })).toBeVisible();
  await snap(page, "01-user-sync");
  await page.getByRole("link", { name: "+ ADD USER SYNC" }).click();
  await expect(page.getByRole("link", { name: /^(Microsoft Entra ID|Google Workspace)/ })).toHaveCount(2);
  await snap(page, "02-integrations");
  await page.getByRole("link", { name: /Okta Workspace/ }).click();

  // A failed CREATE keeps what was typed (except the token) and puts the error on its field.
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Okta production");
  await page.getByLabel("Domain Name").fill("acme-admin.okta.com");
  await page.getByRole("button", { name: "CREATE" }).click();
  await expect(page.getByText("acme.okta.com").first()).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Name", exact: true })).toHaveValue("Okta production");
  await expect(page.getByRole("textbox", { name: "API Token" })).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Domain Name").fill(DEMO_OKTA_URL);
  await page.getByRole("textbox", { name: "API Token" }).fill(DEMO_OKTA_TOKEN);
  await page.getByRole("radio", { name: /Send Enrollment Email/ }).check();
  await page.getByRole("radio", { name: /^Username/ }).check();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByText(/the token can read users and groups \(5 users\)/)).toBeVisible();
  // What the token can do beyond: the System Log (delta runs), and the rate limit left per family.
  await expect(
    page.getByText(
      /and the System Log, so SYNC DATA reads only what changed\. Rate limit left this minute: users \d+ of \d+, groups \d+ of \d+, System Log \d+ of \d+\./,
    ),
  ).toBeVisible();
  await snap(page, "03-okta-form");
  await page.getByRole("button", { name: "CREATE" }).click();
  await expect(page.getByText("User Sync created successfully.")).toBeVisible();
  await expect(page.getByText(`•••• ${DEMO_OKTA_TOKEN.slice(-4)}`)).toBeVisible();
  expect(await page.content()).not.toContain(DEMO_OKTA_TOKEN);
  const syncPage = page.url().replace(/\?.*$/, "");

  // Preview first: what SYNC DATA would do, changing nothing.
  await page.getByRole("button", { name: "Preview", exact: true }).click();
  const progress = page.getByTestId("run-progress");
  await expect(progress.getByRole("heading", { name: "Latest preview" })).toBeVisible({ timeout: 60_000 });
  await progress.getByRole("link", { name: "View preview →" }).click();
  await expect(page.getByTestId("preview-users")).toHaveText(
    "Users: create 5 users, update 0, delete 0, refuse 0.",
  );
  await snap(page, "04-preview");
  await page.getByRole("link", { name: "← Sync history" }).click();

  await syncAndWait(page, /Succeeded/);
  const history = page.getByRole("table", { name: "Sync history" });
  // The preview, then SYNC DATA's run.
  await expect(history.getByRole("row")).toHaveCount(3);
  const newest = history.getByRole("row").nth(1);
  await expect(await cellUnder(history, newest, "Trigger")).toHaveText("Manual");
  await expect(await cellUnder(history, newest, "Mode")).toHaveText("Full");
  await expect(history).toContainText("+5");
  await snap(page, "05-sync-detail");

  await nav.getByRole("link", { name: "Users" }).click();
  const users = page.getByRole("table", { name: "Users" });
  for (const name of ["Alice Anders", "Bruno Bianchi", "Chen Wei", "Dana Díaz", "Eve Evans"]) {
    await expect(users.getByRole("row", { name: new RegExp(name) })).toContainText("Okta production");
  }
  await expect(users.getByRole("row", { name: /Alice Anders/ })).toContainText("Invited");
  await snap(page, "06-users");
  await users.getByRole("link", { name: "Alice Anders" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Alice Anders" })).toBeVisible();
  await snap(page, "07-user");

  await nav.getByRole("link", { name: "User Groups" }).click();
  const groups = page.getByRole("table", { name: "User groups" });
  await expect(groups.getByRole("row", { name: /Okta Engineers/ })).toContainText("2");
  await snap(page, "08-user-groups");
  await groups.getByRole("link", { name: "Okta Engineers" }).click();
  await expect(page.getByRole("table", { name: "Members of Okta Engineers" }).getByRole("link")).toHaveText([
    "Alice Anders",
    "Bruno Bianchi",
  ]);
  await snap(page, "09-group");

  // Meanwhile, in Okta: a profile change, a deleted user, memberships both ways, a new and a renamed group.
  await changeOkta("updateUser", "00ualice0000000000001", { lastName: "Andersson" });
  await changeOkta("deleteUser", "00uchen00000000000003");
  await changeOkta("removeMember", "00gengineers00000001", "00ubruno0000000000002");
  await changeOkta("addMember", "00gsales00000000000002", "00ualice0000000000001");
  await changeOkta("renameGroup", "00gsales00000000000002", "Okta Sales EMEA", "Sells things in EMEA");
  await changeOkta("createGroup", "Okta Support", "Helps customers");

  await nav.getByRole("link", { name: "User Sync" }).click();
  await page.getByRole("link", { name: "Okta production" }).click();
  await syncAndWait(page, /Succeeded/);
  await expect(history.getByRole("row")).toHaveCount(4);
  // SYNC DATA after a recent full run reads what changed from Okta's System Log, deletions included.
  await expect(await cellUnder(history, newest, "Mode")).toHaveText("Delta (System Log)");
  await page.getByRole("table", { name: "Sync history" }).getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 1, name: /Sync run of/ })).toBeVisible();
  await page.getByRole("link", { name: "Updated" }).click();
  await expect(page.getByRole("table", { name: "Updated of this run" })).toContainText(
    'lastName: "Anders" → "Andersson"',
  );
  await snap(page, "10-run");
  // Every Okta user of the demo org is imported: Needs attention says so.
  await page.goto(`${syncPage}/attention`);
  await expect(page.getByText("Every Okta user is imported")).toBeVisible();
  await snap(page, "11-needs-attention");

  await nav.getByRole("link", { name: "Users" }).click();
  await expect(users.getByRole("row", { name: /Alice Andersson/ })).toBeVisible();
  await expect(users.getByRole("row", { name: /Chen Wei/ })).toHaveCount(0);
  await nav.getByRole("link", { name: "User Groups" }).click();
  await expect(groups.getByRole("row", { name: /Okta Sales EMEA/ })).toContainText("2");
  await expect(groups.getByRole("row", { name: /Okta Support/ })).toContainText("0");
  await groups.getByRole("link", { name: "Okta Engineers" }).click();
  await expect(page.getByRole("table", { name: "Members of Okta Engineers" }).getByRole("link")).toHaveText([
    "Alice Andersson",
  ]);

  // The sync report reached the admin; the invitations reached the new users.
  await nav.getByRole("link", { name: "Mailbox" }).click();
  const mailbox = page.getByRole("table").first();
  await expect(
    mailbox.getByRole("row", { name: /Succeeded — 5 created, 0 updated.*admin@acme\.test/ }),
  ).toHaveCount(1);
  await expect(
    mailbox.getByRole("row", { name: /Succeeded — 0 created, 1 update.*admin@acme\.test/ }),
  ).toHaveCount(1);
  for (const login of ["alice", "bruno", "chen", "dana", "eve"]) {
    await expect(
      mailbox.getByRole("row", { name: new RegExp(`invited.*${login}@okta-acme\\.test`) }),
    ).toHaveCount(1);
  }
  await snap(page, "12-mailbox");
  await mailbox
    .getByRole("row", { name: /Succeeded — 0 created, 1 update.*admin@acme\.test/ })
    .getByRole("link")
    .click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("sync report");
  await snap(page, "13-email");

  // EDIT: change the configuration; a blank token keeps the saved one.
  await nav.getByRole("link", { name: "User Sync" }).click();
  await page.getByRole("link", { name: "Okta production" }).click();
  await page.getByRole("link", { name: "EDIT" }).click();
  await page.getByRole("radio", { name: /Trust Email/ }).check();
  await page.getByLabel("Schedule").selectOption("DAILY");
  await snap(page, "14-edit");
  await page.getByRole("button", { name: "SAVE" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(page.getByText("Trust Email")).toBeVisible();
  await expect(page.getByText("Daily")).toBeVisible();
  await syncAndWait(page, /Succeeded/);
  // Three runs: the trends chart has something to show.
  await expect(page.getByTestId("run-trends").locator("svg").first()).toBeVisible();
  await snap(page, "15-sync");
});

test("a Member is refused the User Sync pages", async ({ page }) => {
  await signIn(page, "member");
  await expect(
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "User Sync" }),
  ).toHaveCount(0);
  expect((await page.goto("/user-management/user-sync"))?.status()).toBe(403);
  expect((await page.goto("/user-management/user-sync/new/okta"))?.status()).toBe(403);
  await expectAccessible(page);
});
