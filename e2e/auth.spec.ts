import { expect, test } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { MEMBERS, signIn } from "./support/auth";

test.describe("sign-in and roles", () => {
  for (const who of ["owner", "admin"] as const) {
    test(`${MEMBERS[who].role} sees the whole User Management menu and User Sync`, async ({ page }, info) => {
      await signIn(page, who);
      await expect(page).toHaveURL(/\/user-management\/users$/);
      await expect(page.getByTestId("organization-name")).toHaveText("Acme");
      const nav = page.getByRole("navigation", { name: "Main" });
      // The audit log is the Owner's alone.
      const links = [
        "Users",
        "User Groups",
        "User Sync",
        "Mailbox",
        ...(who === "owner" ? ["Audit log"] : []),
      ];
      await expect(nav.getByRole("link")).toHaveText(links);
      await nav.getByRole("link", { name: "User Sync" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "User Sync" })).toBeVisible();
      await page.screenshot({ path: info.outputPath(`shell-${who}-user-sync.png`), fullPage: true });
    });
  }

  test("a Member reads Users and User Groups and is refused User Sync on the server", async ({
    page,
  }, info) => {
    await signIn(page, "member");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link")).toHaveText(["Users", "User Groups"]);
    await nav.getByRole("link", { name: "User Groups" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "User Groups" })).toBeVisible();
    await page.screenshot({ path: info.outputPath("shell-member-user-groups.png"), fullPage: true });
    const response = await page.goto("/user-management/user-sync");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    await expectAccessible(page);
  });

  test("a wrong password gets a clear message that does not say which part was wrong", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill("nobody@acme.test");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
      "The email or password is incorrect.",
    );
    await expect(page.getByLabel("Email")).toHaveValue("nobody@acme.test");
  });

  test("signed-out visitors are sent to sign-in, and sign-out ends the session", async ({ page }, info) => {
    await page.goto("/user-management/users");
    await expect(page).toHaveURL(/\/sign-in/);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("sign-in.png") });
    await signIn(page, "admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/user-management/user-sync");
    await expect(page).toHaveURL(/\/sign-in/);
  });
});
