import { expect, test } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { PASSWORD, signIn } from "./support/auth";
import { EMPTY_MAILBOX_ADMIN, OTHER_ORGANIZATION_EMAIL_ID, REPORT_SUBJECT } from "./support/fixtures";

test.describe("mailbox", () => {
  test("an Administrator opens Mailbox from the navigation, sees the sync report and reads it", async ({
    page,
  }, info) => {
    await signIn(page, "admin");
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Mailbox" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Mailbox" })).toBeVisible();
    await expect(page.getByText("RESEND_API_KEY is not set")).toBeVisible();
    const row = page.getByRole("row", { name: new RegExp(REPORT_SUBJECT) });
    await expect(row).toContainText("admin@acme.test");
    await expect(row).toContainText("Sync report");
    await expect(row).toContainText("Stored");
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("mailbox-list.png"), fullPage: true });

    await row.getByRole("link", { name: REPORT_SUBJECT }).click();
    await expect(page.getByRole("heading", { level: 1, name: REPORT_SUBJECT })).toBeVisible();
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await expect(frame.getByRole("heading", { name: "Sync report: Partial" })).toBeVisible();
    await expect(frame.getByText("No value for the unique field Email.")).toBeVisible();
    await expect(page.getByTestId("email-text")).toContainText("Okta Workspace · Acme Okta");
    await expect(page.getByTestId("email-text")).toContainText("View the run");
    // The email's HTML can run no script and reach nothing of the dashboard.
    const sandbox = await page.locator('iframe[title="Email preview"]').getAttribute("sandbox");
    expect(sandbox).not.toBeNull();
    expect(sandbox).not.toMatch(/allow-scripts|allow-same-origin/);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("mailbox-email.png"), fullPage: true });
  });

  test("another organization's email is not found", async ({ page }) => {
    await signIn(page, "owner");
    const response = await page.goto(`/mailbox/${OTHER_ORGANIZATION_EMAIL_ID}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByText("Globex only")).toHaveCount(0);
  });

  test("a Member has no Mailbox and is refused it on the server", async ({ page }) => {
    await signIn(page, "member");
    await expect(
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mailbox" }),
    ).toHaveCount(0);
    expect((await page.goto("/mailbox"))?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "You do not have access to this page" })).toBeVisible();
    expect((await page.goto(`/mailbox/${OTHER_ORGANIZATION_EMAIL_ID}`))?.status()).toBe(403);
  });

  test("an organization without emails sees the empty state", async ({ page }, info) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(EMPTY_MAILBOX_ADMIN.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("member-name")).toHaveText(EMPTY_MAILBOX_ADMIN.name);
    await page.goto("/mailbox");
    await expect(page.getByRole("heading", { name: "No emails yet" })).toBeVisible();
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("mailbox-empty.png"), fullPage: true });
  });
});
