// An Administrator connects Okta with an OAuth 2.0 service app instead of an API token: Generate
// key pair in the browser, the public key added to the app in Okta (through Okta's key
// registration API on the fake, which is what its console does), Test connection refused on the
// right field for each setting still wrong, CREATE, SYNC DATA, and the people appear. Against the
// production build, its Inngest runner, and a fake Okta as strict as Okta's authorization server.
import { SERVICE_APP_SCOPES } from "@/lib/okta/service-app";
import { type FakeOkta, startFakeOkta, TOKEN_PATH } from "@/scripts/fake-okta";
import { expectAccessible } from "./support/a11y";
import { createOrganization, signInAs } from "./support/organizations";
import { expect, test } from "./support/stack-fixture";

test.use({ viewport: { width: 1280, height: 900 } });

const CLIENT_ID = "0oaPlaywrightApp0001";
let okta: FakeOkta;

test.beforeAll(async () => {
  okta = await startFakeOkta({
    users: 12,
    groups: 2,
    seed: 7,
    // As an admin creates it in Okta: scopes granted, Read-only Administrator, DPoP required (the
    // default), and no key yet.
    serviceApps: [
      {
        clientId: CLIENT_ID,
        keys: [],
        scopes: [...SERVICE_APP_SCOPES],
        adminRole: true,
        requireDpop: true,
        dpopNonce: true,
      },
    ],
  });
});
test.afterAll(async () => {
  await okta?.close();
});

test("an Administrator connects with an OAuth 2.0 service app, tests it, syncs, and the users appear", async ({
  page,
  stack,
}) => {
  const org = await createOrganization(stack.db, "Service App");
  await signInAs(page, stack.url, org.admin.email);
  await page.goto(`${stack.url}/user-management/user-sync/new/okta`);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Okta service app");
  await page.getByLabel("Domain Name").fill(okta.url);
  await page.getByRole("radio", { name: /OAuth 2\.0 service app/ }).check();
  await expect(page.getByRole("textbox", { name: "API Token" })).toBeHidden();
  await page.getByRole("textbox", { name: "Client ID" }).fill(CLIENT_ID);
  await expect(page.getByRole("checkbox", { name: "Require DPoP" })).toBeChecked();

  // The pair is made in the browser: only the public key is shown.
  await page.getByRole("button", { name: "Generate key pair" }).click();
  const shown = page.locator("pre").filter({ hasText: '"kty"' });
  await expect(shown).toBeVisible();
  const publicJwk = JSON.parse((await shown.textContent()) ?? "") as Record<string, string>;
  expect(publicJwk).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String) });
  for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(publicJwk).not.toHaveProperty(member);
  expect(await page.locator("body").textContent()).not.toMatch(/"d"\s*:/);
  await expectAccessible(page);

  const testConnection = async () => {
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByRole("button", { name: "Test connection" })).toBeEnabled({ timeout: 30_000 });
  };

  // Before the public key is in Okta: Okta refuses the assertion, and the Private key field says so.
  await testConnection();
  await expect(
    page
      .getByRole("alert")
      .filter({ hasText: /add its public key to the app/ })
      .first(),
  ).toBeVisible();

  // The admin adds the public key to the app in Okta.
  const added = await fetch(`${okta.url}/api/v1/apps/${CLIENT_ID}/credentials/jwks`, {
    method: "POST",
    headers: { Authorization: `SSWS ${okta.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(publicJwk),
  });
  expect(added.status).toBe(201);

  // DPoP off while the app requires it: refused on the Require DPoP box.
  await page.getByRole("checkbox", { name: "Require DPoP" }).uncheck();
  await testConnection();
  await expect(page.getByRole("checkbox", { name: "Require DPoP" })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/This Okta app requires DPoP/).first()).toBeVisible();

  await page.getByRole("checkbox", { name: "Require DPoP" }).check();
  await testConnection();
  await expect(page.getByRole("status").filter({ hasText: /^Connected/ })).toContainText(
    "the service app can read users and groups (12 users) and the System Log",
  );

  await page.getByRole("button", { name: "CREATE" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Okta service app" })).toBeVisible();
  const details = page.locator("main");
  await expect(details).toContainText("OAuth 2.0 service app");
  await expect(details).toContainText(CLIENT_ID);
  await expect(details).toContainText(publicJwk.kid ?? "");

  // SYNC DATA: the run reads Okta with the service app's DPoP-bound tokens.
  const history = page.getByRole("table", { name: "Sync history" }).getByRole("row");
  await page.getByRole("button", { name: "SYNC DATA" }).click();
  await expect(history).toHaveCount(2);
  const progress = page.getByTestId("run-progress");
  await expect(progress.getByRole("heading", { name: "Latest run" })).toBeVisible({ timeout: 60_000 });
  await expect(progress.getByText(/Succeeded|Partial/)).toBeVisible();
  expect(okta.accessTokensIssued).toBeGreaterThan(0);
  expect(okta.requests.filter((r) => r.path === TOKEN_PATH && r.status === 200).length).toBeGreaterThan(0);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  const users = page.getByRole("table", { name: "Users" });
  const someone = okta.directory.users.find((u) => u.status === "ACTIVE" && u.profile.firstName);
  await expect(
    users.getByRole("row", { name: new RegExp(String(someone?.profile.firstName)) }).first(),
  ).toContainText("Okta service app");

  // The saved key is never sent back: EDIT shows its ID only, and keeps it when left blank.
  const sync = await stack.db.userSync.findFirstOrThrow({ where: { organizationId: org.id } });
  await page.goto(`${stack.url}/user-management/user-sync/${sync.id}/edit`);
  await expect(page.getByRole("radio", { name: /OAuth 2\.0 service app/ })).toBeChecked();
  await expect(page.getByRole("textbox", { name: "Client ID" })).toHaveValue(CLIENT_ID);
  await testConnection();
  await expect(page.getByRole("status").filter({ hasText: /^Connected/ })).toBeVisible();
});
