// Okta data is attacker-controlled text (anyone who can edit a profile in the customer's Okta
// writes it). Synced for real from a fake Okta org full of markup, scripts, control characters,
// right-to-left marks and very long strings, it must render as inert text on every page that
// shows it and in every email: no dialog fires, no injected element exists, the text is visible.
import type { Page } from "@playwright/test";
import type { FakeOkta } from "@/scripts/fake-okta";
import { startFakeOkta } from "@/scripts/fake-okta";
import { createOrganization, type Organization, PASSWORD } from "./support/organizations";
import { expect, test } from "./support/stack-fixture";
import { createSync, syncNowAs } from "./support/world";

const SCRIPT = "<script>alert('script')</script>";
const IMG = `"><img src=x onerror="alert('img')">`;
const SVG = "<svg onload=alert('svg')>";
const LONG = `Long${"ǅ".repeat(3000)}`;
const BIDI_GROUP = "\u202eBidi\u200b group\u2066";

const hostileOkta = () =>
  startFakeOkta({
    token: "00hostile-okta-token-0123456789abcdef",
    data: {
      users: [
        {
          profile: {
            login: "mallory@hostile.test",
            email: "mallory@hostile.test",
            firstName: SCRIPT,
            lastName: IMG,
            department: SVG,
            title: "\u202egnp.exe\u200b\u0007",
            nickName: LONG,
            manager: "javascript:alert('href')",
          },
        },
        // Two users with one email: a per-user error whose key is markup.
        { profile: { login: "dup1@hostile.test", email: `dup${SVG}@hostile.test`, firstName: "Dup" } },
        { profile: { login: "dup2@hostile.test", email: `dup${SVG}@hostile.test`, firstName: "Dup" } },
      ],
      groups: [
        { name: `Group ${SCRIPT}`, description: IMG, members: ["mallory@hostile.test"] },
        // Reads "puorg idiB" on screen without isolation; the zero-width space hides in it.
        { name: BIDI_GROUP, members: ["mallory@hostile.test"] },
      ],
    },
  });

let org: Organization;
let okta: FakeOkta;
let syncId: string;

test.beforeAll(async ({ stack }) => {
  okta = await hostileOkta();
  org = await createOrganization(stack.db, "Hostile");
  const sync = await createSync(stack, org.id, okta, `Okta ${SCRIPT}`);
  await stack.db.userSync.update({
    where: { id: sync.id },
    data: { enrollmentType: "SEND_ENROLLMENT_EMAIL" },
  });
  syncId = sync.id;
  await syncNowAs(stack, org.owner.email, sync.id);
});
test.afterAll(async () => {
  await okta?.close();
});

/** Opens a page and proves nothing ran and nothing was injected. */
async function visitInert(page: Page, url: string) {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(200);
  await page.waitForLoadState("networkidle");
  expect(dialogs, `${url}: a dialog fired`).toEqual([]);
  const injected = await page.evaluate(
    () => document.querySelectorAll("img[src='x'], svg[onload], [onerror], a[href^='javascript:']").length,
  );
  expect(injected, `${url}: an injected element`).toBe(0);
}

async function signIn(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Email").fill(org.owner.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toBeVisible();
}

test("pages show synced markup as text and run none of it", async ({ stack, page }) => {
  await signIn(page, stack.url);

  const user = await stack.db.directoryUser.findFirstOrThrow({
    where: { organizationId: org.id, email: "mallory@hostile.test" },
  });
  const group = await stack.db.userGroup.findFirstOrThrow({
    where: { organizationId: org.id, name: { startsWith: "Group" } },
  });
  const run = await stack.db.syncRun.findFirstOrThrow({ where: { userSyncId: syncId } });

  await visitInert(page, `${stack.url}/user-management/users`);
  await expect(page.getByRole("link", { name: `${SCRIPT} ${IMG}` })).toBeVisible();

  await visitInert(page, `${stack.url}/user-management/users/${user.id}`);
  await expect(page.getByRole("heading", { name: `${SCRIPT} ${IMG}` })).toBeVisible();
  const attributes = page.getByRole("table", { name: "Okta profile attributes" });
  for (const value of [SVG, "javascript:alert('href')"])
    await expect(attributes.getByText(value, { exact: true })).toBeVisible();
  await expect(attributes.getByText(LONG)).toBeVisible();

  await visitInert(page, `${stack.url}/user-management/user-groups`);
  await expect(page.getByText(`Group ${SCRIPT}`)).toBeVisible();
  await visitInert(page, `${stack.url}/user-management/user-groups/${group.id}`);
  await expect(page.getByText(IMG).first()).toBeVisible();

  await visitInert(page, `${stack.url}/user-management/user-sync`);
  await visitInert(page, `${stack.url}/user-management/user-sync/${syncId}`);
  await expect(page.getByRole("heading", { name: `Okta ${SCRIPT}` })).toBeVisible();
  await visitInert(page, `${stack.url}/user-management/user-sync/${syncId}/runs/${run.id}?kind=ERROR`);
  await expect(page.getByText(`dup${SVG}@hostile.test`).first()).toBeVisible();
  // Needs attention: the refused duplicate, its email and the user it collides with, as text.
  await visitInert(page, `${stack.url}/user-management/user-sync/${syncId}/attention`);
  await expect(page.getByText(`dup${SVG}@hostile.test`).first()).toBeVisible();

  // Every email of the run (the invitation to the hostile user, the report) in the Mailbox.
  const emails = await stack.db.email.findMany({ where: { organizationId: org.id } });
  expect(emails.map((e) => e.template).sort()).toEqual(["enrollment-invitation", "sync-report"]);
  for (const email of emails) {
    await visitInert(page, `${stack.url}/mailbox/${email.id}`);
    const frame = page.frameLocator("iframe[title='Email preview']");
    await expect(frame.locator("body")).toContainText(
      email.template === "sync-report" ? `Okta ${SCRIPT}` : SCRIPT,
    );
    expect(await frame.locator("img[src='x'], svg, script").count()).toBe(0);
  }
});

test("bidi controls and zero-width characters from Okta are stripped from names, and Okta's text is shown isolated", async ({
  stack,
  page,
}) => {
  const group = await stack.db.userGroup.findFirstOrThrow({
    where: { organizationId: org.id, name: { contains: "Bidi" } },
  });
  expect(group.name).toBe("Bidi group");
  const user = await stack.db.directoryUser.findFirstOrThrow({
    where: { organizationId: org.id, email: "mallory@hostile.test" },
  });

  await signIn(page, stack.url);
  await visitInert(page, `${stack.url}/user-management/user-groups`);
  await expect(page.locator("bdi", { hasText: /^Bidi group$/ })).toBeVisible();
  await visitInert(page, `${stack.url}/user-management/users`);
  await expect(page.getByRole("link", { name: `${SCRIPT} ${IMG}` }).locator("bdi")).toHaveText(
    `${SCRIPT} ${IMG}`,
  );
  // Profile attributes are shown as Okta holds them, each isolated: the override cannot spill over.
  await visitInert(page, `${stack.url}/user-management/users/${user.id}`);
  const attributes = page.getByRole("table", { name: "Okta profile attributes" });
  await expect(attributes.locator("bdi", { hasText: "gnp.exe" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 }).locator("bdi")).toHaveText(`${SCRIPT} ${IMG}`);
});
