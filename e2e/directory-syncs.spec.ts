// An Administrator connects Microsoft Entra ID and Google Workspace as the admin guide tells it:
// + ADD USER SYNC, the provider's card, the form, Test connection refusing a wrong credential on
// its field and then answering, CREATE, SYNC DATA, the people on the Users page, and EDIT keeping
// the saved secret when its field is left blank. Against the production build, its Inngest runner
// and the fake Entra ID tenant and Google Workspace the stack points the app at.
import { writeFileSync } from "node:fs";
import type { Locator, Page } from "@playwright/test";
import { OTHER_CERTIFICATE, pemBlock, TEST_CERTIFICATE } from "@/lib/entra/testing";
import { expectAccessible } from "./support/a11y";
import { changeDirectory, directoryState } from "./support/demo-directories";
import { createOrganization, signInAs } from "./support/organizations";
import { syncAndWait } from "./support/runs";
import { expect, test } from "./support/stack-fixture";

test.use({ viewport: { width: 1280, height: 900 } });

/** What differs between the two directories' walkthroughs. */
interface Walkthrough {
  card: RegExp;
  syncName: string;
  /** The person added to the directory first, to find on the Users page. */
  person: string;
  /** How many users the directory holds (its `/__admin/state`). */
  users: number;
  /** The credential's field, where a refusal lands. */
  secretField(page: Page): Locator;
  /** Fills the form with a credential the directory refuses; the refusal's text. */
  fillRefused(page: Page): Promise<RegExp>;
  /** Fills in the right credential (after fillRefused). */
  fillAccepted(page: Page): Promise<void>;
  /** Test connection's answer, for a directory of `users` users. */
  connected(users: number): RegExp;
  /** What the sync's page shows of the connection. */
  shown: string[];
  /** A part of the secret that no page may show. */
  secretPart: string;
}

async function walk(page: Page, stackUrl: string, adminEmail: string, w: Walkthrough): Promise<void> {
  await signInAs(page, stackUrl, adminEmail);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "User Sync" }).click();
  await page.getByRole("link", { name: "+ ADD USER SYNC" }).click();
  await page.getByRole("link", { name: w.card }).click();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(w.syncName);

  // Username: every account has one (Entra ID's user principal name), while some have no mailbox.
  await page.getByRole("radio", { name: /^Username/ }).check();
  const refusal = await w.fillRefused(page);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("alert").filter({ hasText: refusal })).toBeVisible();
  await expect(w.secretField(page)).toHaveAttribute("aria-invalid", "true");

  await w.fillAccepted(page);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: w.connected(w.users) })).toBeVisible();
  await expect(w.secretField(page)).not.toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);

  await page.getByRole("button", { name: "CREATE" }).click();
  await expect(page.getByText("User Sync created successfully.")).toBeVisible();
  for (const text of w.shown) await expect(page.getByText(text, { exact: true }).first()).toBeVisible();
  expect(await page.content()).not.toContain(w.secretPart);

  await syncAndWait(page, /Succeeded/);
  const syncPage = page.url().replace(/\?.*$/, "");

  await page.goto(`${stackUrl}/user-management/users?q=${encodeURIComponent(w.person)}`);
  await expect(
    page.getByRole("table", { name: "Users" }).getByRole("row", { name: new RegExp(w.person) }),
  ).toContainText(w.syncName);

  // EDIT with the credential left blank: SAVE keeps the saved one, which Test connection then uses.
  await page.goto(syncPage);
  await page.getByRole("link", { name: "EDIT" }).click();
  await expect(w.secretField(page)).toHaveValue("");
  await expectAccessible(page);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`${w.syncName} (renamed)`);
  await page.getByRole("button", { name: "SAVE" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: `${w.syncName} (renamed)` })).toBeVisible();
  expect(await page.content()).not.toContain(w.secretPart);
  await page.getByRole("link", { name: "EDIT" }).click();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: w.connected(w.users) })).toBeVisible();
  // And the saved credential still syncs.
  await page.goto(syncPage);
  await syncAndWait(page, /Succeeded/);
}

test("an Administrator connects Microsoft Entra ID, tests it, syncs, and edits it keeping the secret", async ({
  page,
  stack,
}) => {
  test.setTimeout(180_000);
  const { entra } = stack;
  await changeDirectory(entra.url, "createUser", {
    userPrincipalName: "ingrid.entraplay@contoso.onmicrosoft.com",
    mail: "ingrid.entraplay@contoso.onmicrosoft.com",
    displayName: "Ingrid Entraplay",
    givenName: "Ingrid",
    surname: "Entraplay",
  });
  const { users } = await directoryState(entra.url);
  const org = await createOrganization(stack.db, "Entra Walkthrough");
  // The password field: the Authentication choice has a "Client secret" option too.
  const secretField = (p: Page) => p.getByLabel(/^Client secret/).and(p.locator("input[type=password]"));
  await walk(page, stack.url, org.admin.email, {
    card: /Microsoft Entra ID/,
    syncName: "Entra production",
    person: "Ingrid Entraplay",
    users,
    secretField,
    async fillRefused(p) {
      await p.getByRole("textbox", { name: "Directory (tenant) ID" }).fill(entra.tenantId);
      await p.getByRole("textbox", { name: "Application (client) ID" }).fill(entra.clientId);
      await secretField(p).fill("Wrong~Secret.Value_0123456789abcdefghij");
      return /secret/i;
    },
    async fillAccepted(p) {
      await secretField(p).fill(entra.clientSecret);
    },
    connected: (n) => new RegExp(`Connected to tenant .*: the app can read users \\(${n}\\)`),
    shown: [entra.clientId, `•••• ${entra.clientSecret.slice(-4)}`],
    secretPart: entra.clientSecret,
  });
});

test("an Administrator connects Microsoft Entra ID with a certificate, tests it, syncs, and edits it keeping the certificate", async ({
  page,
  stack,
}) => {
  test.setTimeout(180_000);
  const { entra } = stack;
  // The app registration holds the certificate alone (Certificates & secrets > Upload certificate).
  const { thumbprint } = (await changeDirectory(
    entra.url,
    "addCertificate",
    entra.clientId,
    pemBlock(TEST_CERTIFICATE, "CERTIFICATE"),
  )) as { thumbprint: string };
  await changeDirectory(entra.url, "createUser", {
    userPrincipalName: "carl.certplay@contoso.onmicrosoft.com",
    mail: "carl.certplay@contoso.onmicrosoft.com",
    displayName: "Carl Certplay",
    givenName: "Carl",
    surname: "Certplay",
  });
  const { users } = await directoryState(entra.url);
  const org = await createOrganization(stack.db, "Entra Certificate Walkthrough");
  const certificateField = (p: Page) => p.getByRole("textbox", { name: /Certificate and private key/ });
  const keyLine = pemBlock(TEST_CERTIFICATE, "PRIVATE KEY").split("\n")[3] as string;
  await walk(page, stack.url, org.admin.email, {
    card: /Microsoft Entra ID/,
    syncName: "Entra with a certificate",
    person: "Carl Certplay",
    users,
    secretField: certificateField,
    async fillRefused(p) {
      await p.getByRole("textbox", { name: "Directory (tenant) ID" }).fill(entra.tenantId);
      await p.getByRole("textbox", { name: "Application (client) ID" }).fill(entra.clientId);
      await p.getByRole("radio", { name: /^Certificate/ }).check();
      // A pair the app registration does not hold.
      await certificateField(p).fill(OTHER_CERTIFICATE);
      return /certificate/i;
    },
    async fillAccepted(p) {
      await certificateField(p).fill(TEST_CERTIFICATE);
    },
    connected: (n) => new RegExp(`Connected to tenant .*: the app can read users \\(${n}\\)`),
    shown: [entra.clientId, thumbprint],
    secretPart: keyLine,
  });
});

test("an Administrator connects Google Workspace with a key file, tests it, syncs, and edits it keeping the key", async ({
  page,
  stack,
}) => {
  test.setTimeout(180_000);
  const { google } = stack;
  await changeDirectory(google.url, "createUser", {
    primaryEmail: "gustav.googleplay@example.com",
    givenName: "Gustav",
    familyName: "Googleplay",
  });
  const { users } = await directoryState(google.url);
  const key = JSON.parse(google.key) as { client_email: string; private_key: string };
  const keyFile = test.info().outputPath("sync-demo-key.json");
  writeFileSync(keyFile, google.key, { mode: 0o600 });
  const org = await createOrganization(stack.db, "Google Walkthrough");
  const secretField = (p: Page) => p.getByRole("textbox", { name: "Service account key" });
  await walk(page, stack.url, org.admin.email, {
    card: /Google Workspace/,
    syncName: "Workspace production",
    person: "Gustav Googleplay",
    users,
    secretField,
    async fillRefused(p) {
      await p.getByRole("textbox", { name: "Admin email" }).fill(google.adminEmail);
      // A user's OAuth credentials file (gcloud's), not a service account's key.
      await secretField(p).fill(
        JSON.stringify({
          type: "authorized_user",
          client_id: "1.apps.googleusercontent.com",
          refresh_token: "1//x",
        }),
      );
      return /not a service account key file/;
    },
    async fillAccepted(p) {
      await p.locator('input[type="file"]').setInputFiles(keyFile);
      await expect(p.getByText("Read sync-demo-key.json.")).toBeVisible();
    },
    connected: (n) =>
      new RegExp(
        `Connected as ${key.client_email.replace(/\./g, "\\.")} for .*: it can read users \\(${n}\\)`,
      ),
    shown: [key.client_email, google.adminEmail],
    // A line of the private key's base64 body.
    secretPart: key.private_key.split("\n")[1] ?? key.private_key,
  });
});
