import { expect, test } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { PASSWORD } from "./support/auth";
import { DUAL_MEMBER } from "./support/directory-fixtures";

test("a member of two organizations switches between them, with the role each one gives", async ({
  page,
}) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(DUAL_MEMBER.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toHaveText(DUAL_MEMBER.name);

  const nav = page.getByRole("navigation", { name: "Main" });
  const switcher = page.getByLabel("Switch organization");
  await expect(switcher).toHaveValue(/.+/);
  await expect(switcher.locator("option:checked")).toHaveText("Acme");
  await expect(nav.getByRole("link", { name: "User Sync" })).toHaveCount(0);
  expect((await page.goto("/user-management/user-sync"))?.status()).toBe(403);

  await page.goto("/user-management/users");
  await switcher.selectOption({ label: "Globex" });
  await page.getByRole("button", { name: "Switch" }).click();
  await expect(switcher.locator("option:checked")).toHaveText("Globex");
  await expect(page.getByText("Administrator", { exact: true })).toBeVisible();
  await expect(page.getByRole("table", { name: "Users" })).toContainText("Globex Secret");
  await expect(page.getByRole("table", { name: "Users" })).not.toContainText("Zoë Ångström");
  await expect(nav.getByRole("link", { name: "User Sync" })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: test.info().outputPath("switched-to-globex.png"), fullPage: true });
});
