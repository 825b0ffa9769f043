// Without JavaScript (blocked, failed to load, or a page that never hydrated), a form submits
// natively: one without method="post" sends every field, secrets included, in a GET URL that lands
// in the browser history, the server's log and any proxy's. Every form carrying a secret must post.
import { expect, type Page, test } from "@playwright/test";
import { MEMBERS, PASSWORD } from "./support/auth";
import { ENROLLMENT } from "./support/fixtures";

test.use({ javaScriptEnabled: false });

const TOKEN = "00NoJsSecretApiToken0123456789abcdefWXYZ";

/** Every URL the browser requested, with its method. */
function requestsOf(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => seen.push(`${request.method()} ${request.url()}`));
  return seen;
}

test("without JavaScript, signing in and the Okta Workspace form put no secret in a URL", async ({
  page,
}) => {
  const requests = requestsOf(page);

  await page.goto("/sign-in");
  await expect(page.locator("form:has(input[name=password])")).toHaveAttribute("method", /^post$/i);
  await page.getByLabel("Email").fill(MEMBERS.admin.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toHaveText(MEMBERS.admin.name);

  // CREATE: Test connection, then CREATE, with the token typed.
  for (const button of ["Test connection", "CREATE"]) {
    await page.goto("/user-management/user-sync/new/okta");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill("No JavaScript");
    await page.getByLabel("Domain Name").fill("acme.okta.com");
    await page.getByRole("textbox", { name: "API Token" }).fill(TOKEN);
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === "POST"),
      page.getByRole("button", { name: button, exact: true }).click(),
    ]);
    // The page answers the post (it needs JavaScript to act on it): no error, no secret in the URL.
    expect(answer.status(), button).toBeLessThan(500);
    await page.waitForLoadState();
    expect(page.url(), button).not.toContain(TOKEN.slice(0, 12));
    await expect(page.locator("form:has(input[name=token])")).toHaveAttribute("method", /^post$/i);
  }

  // EDIT of a saved sync: the same form with the sync's id.
  await page.goto("/user-management/user-sync");
  await page.getByRole("link", { name: "Acme Okta" }).first().click();
  await page.getByRole("link", { name: "EDIT" }).click();
  await page.getByRole("textbox", { name: "API Token" }).fill(TOKEN);
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.waitForLoadState();
  expect(page.url()).not.toContain(TOKEN.slice(0, 12));
  await expect(page.locator("form:has(input[name=token])")).toHaveAttribute("method", /^post$/i);

  // The enrollment form (its link's token is in the path already) posts too: opened, not submitted.
  await page.goto(`/enroll/${ENROLLMENT.noScript.token}`);
  await expect(page.locator("form:has(input[name=token])")).toHaveAttribute("method", /^post$/i);

  // Nothing secret went out in any URL: neither the token nor the password.
  expect(requests.length).toBeGreaterThan(5);
  expect(requests.filter((r) => r.includes(TOKEN.slice(0, 12)) || r.includes(PASSWORD))).toEqual([]);
});
