import { expect, test } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { signIn } from "./support/auth";
import { FOREIGN } from "./support/directory-fixtures";

test.describe("Users and User Groups", () => {
  test("a Member lists, searches and filters users and opens a user's details", async ({ page }, info) => {
    await signIn(page, "member");
    const users = page.getByRole("table", { name: "Users" });
    for (const name of ["Zoë Ångström", "Bob Builder", "Carol Danvers"]) {
      await expect(users.getByRole("row", { name: new RegExp(name) })).toHaveCount(1);
    }
    await expect(page.getByText(/^\d+ users$/)).toBeVisible();
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("users.png"), fullPage: true });

    await page.getByLabel("Search").fill("ångström");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(users.getByRole("row")).toHaveCount(2);
    await expect(users).toContainText("zoe@acme.test");

    await page.goto("/user-management/users");
    await page.getByLabel("Group").selectOption({ label: "Engineering" });
    await page.getByLabel("Status").selectOption({ label: "Suspended" });
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(users.getByRole("row")).toHaveCount(2);
    await users.getByRole("link", { name: "Bob Builder" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Bob Builder" })).toBeVisible();
    await expect(page.getByRole("table", { name: "Okta profile attributes" })).toContainText("department");
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("user-detail.png"), fullPage: true });
  });

  test("User Groups lists groups with member counts and a group's members", async ({ page }, info) => {
    await signIn(page, "member");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "User Groups" }).click();
    const groups = page.getByRole("table", { name: "User groups" });
    await expect(groups.getByRole("row", { name: /Engineering/ })).toContainText("2");
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("user-groups.png"), fullPage: true });
    await groups.getByRole("link", { name: "Engineering" }).click();
    const members = page.getByRole("table", { name: "Members of Engineering" });
    await expect(members.getByRole("link")).toHaveText(["Bob Builder", "Zoë Ångström"]);
  });

  test("ids from another organization find nothing", async ({ page }) => {
    await signIn(page, "admin");
    expect((await page.goto(`/user-management/users/${FOREIGN.userId}`))?.status()).toBe(404);
    expect((await page.goto(`/user-management/user-groups/${FOREIGN.groupId}`))?.status()).toBe(404);
    await expect(page.getByText("Globex")).toHaveCount(0);
  });
});
