// Health alerts: a scheduled sync whose runs keep failing (Okta refuses its token) opens an
// incident at its third failure in a row: one email to each Owner and Administrator, and a banner
// on the sync's page and the User Sync list, until a run succeeds.
import type { Page } from "@playwright/test";
import { startRunRequest } from "@/lib/sync";
import type { FakeOkta } from "@/scripts/fake-okta";
import { sendEvent } from "@/scripts/inngest-runner/testing/harness";
import { expectAccessible } from "./support/a11y";
import { createOrganization, type Organization, PASSWORD } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { createSync, runnerIdle, smallOkta } from "./support/world";

let org: Organization;
let okta: FakeOkta;
test.beforeAll(async ({ stack }) => {
  org = await createOrganization(stack.db, "Ailing");
  okta = await smallOkta();
});
test.afterAll(async () => {
  await okta?.close();
});

/** A run as the schedule starts it (`requestSyncRun`, trigger SCHEDULED), driven by the runner to its end. */
async function scheduledRun(stack: Stack, sync: { id: string; organizationId: string }) {
  const started = await startRunRequest(stack.db, {
    organizationId: sync.organizationId,
    userSyncId: sync.id,
    trigger: "SCHEDULED",
    startedById: null,
  });
  if (!started.started) throw new Error("the sync already has a run");
  const { run } = started;
  await sendEvent(stack.runner.url, {
    name: "user-sync/run.requested",
    data: {
      organizationId: run.organizationId,
      userSyncId: run.userSyncId,
      syncRunId: run.id,
      trigger: "scheduled",
    },
  });
  await runnerIdle(stack);
  await expect
    .poll(async () => (await stack.db.syncRun.findUniqueOrThrow({ where: { id: run.id } })).status)
    .not.toMatch(/QUEUED|RUNNING/);
  return stack.db.syncRun.findUniqueOrThrow({ where: { id: run.id } });
}

async function signIn(page: Page, stack: Stack, email: string) {
  await page.goto(`${stack.url}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toBeVisible();
}

test("failing scheduled runs raise one alert and a banner until a run succeeds", async ({ stack, page }) => {
  test.slow(); // four runs through the runner, two pages checked by axe
  const sync = await createSync(stack, org.id, okta, "Okta nightly");
  await stack.db.userSync.update({ where: { id: sync.id }, data: { schedule: "HOURLY" } });
  const alerts = () =>
    stack.db.email.findMany({
      where: { organizationId: org.id, template: "sync-health-alert" },
      orderBy: { to: "asc" },
    });
  const syncPage = `${stack.url}/user-management/user-sync/${sync.id}`;

  // Okta refuses the token: each run fails at its first request.
  okta.revokeTokenAfter(0);
  for (let i = 0; i < 2; i++) expect((await scheduledRun(stack, sync)).status).toBe("FAILED");
  expect(await alerts()).toEqual([]);
  await signIn(page, stack, org.admin.email);
  await page.goto(syncPage);
  await expect(page.getByRole("heading", { name: "Okta nightly" })).toBeVisible();
  await expect(page.getByTestId("health-banner")).toHaveCount(0);

  const third = await scheduledRun(stack, sync);
  expect(third.status).toBe("FAILED");
  const sent = await alerts();
  expect(sent.map((e) => e.to)).toEqual([org.admin.email, org.owner.email].sort());
  expect(sent[0]?.subject).toMatch(
    /^Action needed: Okta Workspace sync "Okta nightly" is failing \(3 failed runs in a row/,
  );

  await page.reload();
  const banner = page.getByRole("alert").filter({ hasText: "This sync is failing" });
  await expect(banner).toContainText(
    "This sync is failing: 3 failed runs in a row, no run has succeeded yet.",
  );
  await expect(banner).toContainText("Okta rejected the API token");
  await expect(banner).toContainText("the Owners and Administrators were emailed");
  await expect(banner.getByRole("link", { name: "Failed run details" })).toHaveAttribute(
    "href",
    `/user-management/user-sync/${sync.id}/runs/${third.id}`,
  );
  await expectAccessible(page);

  await page.goto(`${stack.url}/user-management/user-sync`);
  const list = page.getByRole("alert").filter({ hasText: "A sync is failing." });
  await expect(list).toContainText("Okta nightly: 3 failed runs in a row, no run has succeeded yet.");
  await expect(list.getByRole("link", { name: "Okta nightly" })).toHaveAttribute(
    "href",
    `/user-management/user-sync/${sync.id}`,
  );
  await expectAccessible(page);

  // A fourth failure sends nothing more.
  await scheduledRun(stack, sync);
  expect(await alerts()).toHaveLength(2);

  // The token works again: the next run succeeds and the banners go.
  okta.revokeTokenAfter(null);
  expect((await scheduledRun(stack, sync)).status).toBe("SUCCEEDED");
  await page.reload();
  await expect(page.getByRole("heading", { name: "User Sync" })).toBeVisible();
  await expect(page.getByTestId("health-banner")).toHaveCount(0);
  await page.goto(syncPage);
  await expect(page.getByRole("heading", { name: "Okta nightly" })).toBeVisible();
  await expect(page.getByTestId("health-banner")).toHaveCount(0);
  expect(await alerts()).toHaveLength(2);
});
