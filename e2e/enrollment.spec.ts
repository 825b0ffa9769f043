import { expect, type Page, test } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { signIn } from "./support/auth";
import { ENROLLMENT } from "./support/fixtures";

const confirm = (page: Page) => page.getByRole("button", { name: "Confirm and enroll" });

test.describe("enrollment links (public, no dashboard sign-in)", () => {
  test("a valid link shows the organization and the email; opening it changes nothing, confirming enrols once", async ({
    page,
  }, info) => {
    const url = `/enroll/${ENROLLMENT.valid.token}`;
    await page.goto(url);
    await expect(page.getByRole("heading", { name: "Join Acme" })).toBeVisible();
    await expect(page.getByTestId("enrollment-email")).toHaveText(ENROLLMENT.valid.email);
    await expect(page.getByText(ENROLLMENT.valid.name)).toBeVisible();
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("enroll-valid.png"), fullPage: true });

    await page.reload(); // a GET again (a mail scanner, a second click): still waiting for the POST
    await expect(confirm(page)).toBeVisible();

    await confirm(page).click();
    await expect(page.getByRole("heading", { name: "You're enrolled" })).toBeVisible();
    await expect(page.getByTestId("enrollment-enrolled")).toContainText(ENROLLMENT.valid.email);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("enroll-enrolled.png"), fullPage: true });

    await page.goto(url);
    await expect(page.getByRole("heading", { name: "This link has already been used" })).toBeVisible();
    await expect(confirm(page)).toHaveCount(0);
  });

  test("a link open in two tabs enrols once: the second confirmation is told the link is used", async ({
    browser,
  }) => {
    const url = `/enroll/${ENROLLMENT.twoTabs.token}`;
    const context = await browser.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    await first.goto(url);
    await second.goto(url);
    await confirm(first).click();
    await expect(first.getByRole("heading", { name: "You're enrolled" })).toBeVisible();
    await confirm(second).click();
    await expect(second.getByRole("heading", { name: "This link has already been used" })).toBeVisible();
    await context.close();
  });

  test("an expired link says so and offers nothing to confirm", async ({ page }, info) => {
    await page.goto(`/enroll/${ENROLLMENT.expired.token}`);
    await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
    await expect(page.getByText("Ask your Acme administrator for a new invitation.")).toBeVisible();
    await expect(confirm(page)).toHaveCount(0);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("enroll-expired.png"), fullPage: true });
  });

  test("a used link says so", async ({ page }) => {
    await page.goto(`/enroll/${ENROLLMENT.used.token}`);
    await expect(page.getByRole("heading", { name: "This link has already been used" })).toBeVisible();
    await expect(confirm(page)).toHaveCount(0);
  });

  test("an unknown link reveals nothing", async ({ page }, info) => {
    await page.goto(`/enroll/${"A".repeat(43)}`);
    await expect(page.getByRole("heading", { name: "This link is not valid" })).toBeVisible();
    await expect(page.getByText("Acme")).toHaveCount(0);
    await expectAccessible(page);
    await page.screenshot({ path: info.outputPath("enroll-unknown.png"), fullPage: true });
  });

  test("an invitation from the mailbox enrols its recipient, and its link then reads as used", async ({
    page,
    browser,
  }) => {
    await signIn(page, "admin");
    await page.goto("/mailbox");
    await page
      .getByRole("row", { name: new RegExp(ENROLLMENT.invited.email) })
      .getByRole("link")
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "You're invited to join Acme" })).toBeVisible();
    const href = await page
      .frameLocator('iframe[title="Email preview"]')
      .getByRole("link", { name: "Enroll now" })
      .getAttribute("href");
    const path = new URL(href ?? "").pathname;
    expect(path).toMatch(/^\/enroll\/[\w-]{43}$/);
    await expect(page.getByTestId("email-text")).toContainText(path);

    const invitee = await (await browser.newContext()).newPage(); // the end-user, not signed in
    await invitee.goto(path);
    await expect(invitee.getByTestId("enrollment-email")).toHaveText(ENROLLMENT.invited.email);
    await confirm(invitee).click();
    await expect(invitee.getByRole("heading", { name: "You're enrolled" })).toBeVisible();
    await invitee.goto(path);
    await expect(invitee.getByTestId("enrollment-used")).toBeVisible();
  });
});
