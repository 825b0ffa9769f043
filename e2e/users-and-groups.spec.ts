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

  test("pages fit half a laptop screen: the layout stacks and nothing but tables scrolls sideways", async ({
    page,
  }, info) => {
    await page.setViewportSize({ width: 680, height: 900 });
    await signIn(page, "admin");
    for (const path of [
      "/user-management/users",
      "/user-management/user-groups",
      "/user-management/user-sync",
    ]) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto("/user-management/users");
    await page.screenshot({ path: info.outputPath("users-half-screen.png"), fullPage: true });
  });

  test("ids from another organization find nothing", async ({ page }) => {
    await signIn(page, "admin");
    expect((await page.goto(`/user-management/users/${FOREIGN.userId}`))?.status()).toBe(404);
    expect((await page.goto(`/user-management/user-groups/${FOREIGN.groupId}`))?.status()).toBe(404);
    await expect(page.getByText("Globex")).toHaveCount(0);
  });
});
