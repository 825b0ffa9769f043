// SYNC DATA reads what changed from Okta's System Log when the last full run is recent; Full
// resync lists everything; a token that may not read the log makes SYNC DATA list everything and
// the run says why. Against the production build, its Inngest runner and a fake Okta org.
import type { Page } from "@playwright/test";
import type { SyncRun } from "@/lib/db";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { expectAccessible } from "./support/a11y";
import { createOrganization, type Organization, signInAs } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { cellUnder } from "./support/tables";
import { createSync, runFrom } from "./support/world";

test.describe.configure({ mode: "serial" });
// The width the pages are checked at.
test.use({ viewport: { width: 1280, height: 900 } });

const person = (id: string, login: string, firstName: string) => ({
  id,
  status: "ACTIVE",
  profile: { login, email: `${login}@delta.test`, firstName, lastName: "Delta" },
});

const ADA = "00uada0000000000000001";
const BEN = "00uben0000000000000002";
const CY = "00ucy00000000000000003";
const ENGINEERS = "00gengineers0000000001";

let okta: FakeOkta;
let org: Organization;
let syncId: string;

test.beforeAll(async ({ stack }) => {
  okta = await startFakeOkta({
    token: "00delta-okta-token-0123456789abcdef",
    data: {
      // Ten users: removing one stays under the safeguard's 20 %.
      users: [
        person(ADA, "ada", "Ada"),
        person(BEN, "ben", "Ben"),
        person(CY, "cy", "Cy"),
        ...Array.from({ length: 7 }, (_, i) => person(`00ufiller00000000000${i}`, `filler${i}`, "Filler")),
      ],
      groups: [{ id: ENGINEERS, name: "Engineers", members: [ADA] }],
    },
  });
  org = await createOrganization(stack.db, "Delta");
  syncId = (await createSync(stack, org.id, okta, "Okta delta")).id;
});
test.afterAll(async () => {
  await okta?.close();
});

const signIn = (page: Page, stack: Stack) => signInAs(page, stack.url, org.admin.email);

const syncData = (page: Page) => page.getByRole("button", { name: "SYNC DATA", exact: true });
const fullResync = (page: Page) => page.getByRole("button", { name: "Full resync", exact: true });

/** Presses Enter on a start button once no run holds the sync, and returns the run it started, finished. */
async function runWith(stack: Stack, page: Page, button: ReturnType<typeof syncData>): Promise<SyncRun> {
  const run = await runFrom(stack, page, syncId, button);
  expect(run.status).toBe("SUCCEEDED");
  const table = page.getByRole("table", { name: "Sync history" });
  await expect(await cellUnder(table, table.getByRole("row").nth(1), "Status")).toHaveText("Succeeded");
  await expect(page.getByTestId("run-progress").getByRole("heading", { name: "Latest run" })).toBeVisible();
  return run;
}

/** How many requests of a kind the fake Okta received since its request log was cleared. */
function requested(kind: "logs" | "members" | "every user"): number {
  return okta.requests.filter(({ path, query }) =>
    kind === "logs"
      ? path === "/api/v1/logs"
      : kind === "members"
        ? /^\/api\/v1\/groups\/[^/]+\/users$/.test(path)
        : // A full listing filters on every status; a delta's users are those updated since the last run.
          path === "/api/v1/users" && !query.filter?.includes("lastUpdated"),
  ).length;
}

/** The Mode cell of SYNC HISTORY's newest run. */
const newestMode = (page: Page) => {
  const table = page.getByRole("table", { name: "Sync history" });
  return cellUnder(table, table.getByRole("row").nth(1), "Mode");
};

test("SYNC DATA after a recent full run reads the System Log; Full resync lists every user and group", async ({
  stack,
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, stack);
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}`);
  await expect(syncData(page)).toHaveAccessibleDescription(/Reads what changed in Okta since the last sync/);
  await expect(fullResync(page)).toHaveAccessibleDescription(
    "Lists every user and group in Okta, not only what changed.",
  );

  // The first run lists everything: there is no full run to read changes from.
  const first = await runWith(stack, page, syncData(page));
  expect(first).toMatchObject({ mode: "FULL", fallback: null, usersCreated: 10 });
  await expect(await newestMode(page)).toHaveText("Full");

  // Meanwhile, in Okta: a user deleted, a membership added.
  okta.directory.deleteUser(CY);
  okta.directory.addMember(ENGINEERS, BEN);

  okta.clearRequests();
  const delta = await runWith(stack, page, syncData(page));
  expect(delta).toMatchObject({ mode: "INCREMENTAL", fallback: null, usersDeleted: 1, membershipsAdded: 1 });
  expect(delta.logChanges).toBeGreaterThanOrEqual(2);
  // What changed came from the log: no group's members were listed, nor every user.
  expect(requested("logs")).toBeGreaterThan(0);
  expect(requested("members")).toBe(0);
  expect(requested("every user")).toBe(0);
  await expect(await newestMode(page)).toHaveText("Delta (System Log)");
  expect(await stack.db.directoryUser.count({ where: { userSyncId: syncId } })).toBe(9);
  await page.screenshot({ path: test.info().outputPath("sync-page.png"), fullPage: true });
  await expectAccessible(page);

  await page.getByRole("link", { name: "Run details →" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Sync run of/ })).toBeVisible();
  await expect(page.getByText("How Okta was read").locator("+ p")).toHaveText("Delta (System Log)");
  await expect(page.getByText("System Log changes read").locator("+ dd")).toHaveText(
    delta.logChanges.toLocaleString("en"),
  );
  await expect(page.getByRole("region", { name: "Okta's System Log was not used" })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("delta-run.png"), fullPage: true });
  await expectAccessible(page);

  // Full resync, by keyboard: the next control after SYNC DATA.
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}`);
  await expect(syncData(page)).toBeEnabled();
  await syncData(page).focus();
  await page.keyboard.press("Tab");
  await expect(fullResync(page)).toBeFocused();
  okta.clearRequests();
  const full = await runWith(stack, page, fullResync(page));
  expect(requested("every user")).toBeGreaterThan(0);
  expect(requested("logs")).toBe(0);
  expect(full).toMatchObject({ mode: "FULL", fallback: null, logChanges: 0, trigger: "MANUAL" });
  await expect(await newestMode(page)).toHaveText("Full");
  expect((await stack.db.userSync.findUniqueOrThrow({ where: { id: syncId } })).lastFullSyncAt).toEqual(
    full.startedAt,
  );
});

test("when Okta refuses the System Log, SYNC DATA lists everything and the run's page and report say why", async ({
  stack,
  page,
}) => {
  test.setTimeout(120_000);
  okta.setHostile({ logsForbidden: true });
  try {
    await signIn(page, stack);
    await page.goto(`${stack.url}/user-management/user-sync/${syncId}`);
    const run = await runWith(stack, page, syncData(page));
    expect(run.mode).toBe("FULL");
    expect(run.fallback).toMatch(/okta\.logs\.read/);
    await expect(await newestMode(page)).toHaveText("Full");
    // The live progress of the latest run says it too.
    await expect(page.getByTestId("run-progress")).toContainText(
      "did not let this API token read the System Log",
    );

    await page.getByRole("link", { name: "Run details →" }).click();
    const notice = page.getByRole("region", { name: "Okta's System Log was not used" });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText(run.fallback ?? "");
    await expect(notice).toContainText("This run listed every user and group instead.");
    await expect(page.getByText("How Okta was read").locator("+ p")).toHaveText("Full");
    await expect(page.getByText("System Log changes read")).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath("fallback-run.png"), fullPage: true });
    await expectAccessible(page);

    // The report is sent once the run has ended.
    const report = () =>
      stack.db.email
        .findFirst({ where: { syncRunId: run.id, template: "sync-report" } })
        .then((e) => e?.text);
    await expect
      .poll(report, { timeout: 30_000 })
      .toContain(`Okta's System Log was not used. ${run.fallback}`);
    expect(await report()).toMatch(/How Okta was read\s+Full\n/);
  } finally {
    okta.setHostile({ logsForbidden: false });
  }
});

test("a scheduled run that re-listed instead of reading the log shows as Incremental (re-listing)", async ({
  stack,
  page,
}) => {
  const startedAt = new Date();
  await stack.db.syncRun.create({
    data: {
      organizationId: org.id,
      userSyncId: syncId,
      trigger: "SCHEDULED",
      status: "SUCCEEDED",
      mode: "INCREMENTAL",
      phase: "DONE",
      fallback:
        "Okta did not let this API token read the System Log: its admin needs the okta.logs.read scope or a read-only admin role. This run re-listed the groups whose members changed instead; users deleted in Okta are removed by the next full run.",
      queuedAt: startedAt,
      startedAt,
      finishedAt: new Date(startedAt.getTime() + 1000),
    },
  });
  await signIn(page, stack);
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}`);
  await expect(await newestMode(page)).toHaveText("Incremental (re-listing)");
  await page.getByRole("table", { name: "Sync history" }).getByRole("row").nth(1).getByRole("link").click();
  await expect(page.getByText("How Okta was read").locator("+ p")).toHaveText("Incremental (re-listing)");
  await expect(page.getByRole("region", { name: "Okta's System Log was not used" })).toContainText(
    "users deleted in Okta are removed by the next full run",
  );
});

test("the full sync interval is set on EDIT, from 1 to 24 hours", async ({ stack, page }) => {
  await signIn(page, stack);
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}/edit`);
  const interval = page.getByLabel("Full sync every (hours)");
  await expect(interval).toHaveValue("24");
  await expect(interval).toHaveAccessibleDescription(/How often a run lists every user and group in Okta/);
  await interval.fill("25");
  await page.getByRole("button", { name: "SAVE" }).click();
  await expect(interval).toHaveAttribute("aria-invalid", "true");
  await expect(interval).toHaveAccessibleDescription(/Use a value from 1 to 24\./);
  await expect(interval).toHaveValue("25");
  await page.screenshot({ path: test.info().outputPath("edit-refused.png"), fullPage: true });
  await expectAccessible(page);
  expect((await stack.db.userSync.findUniqueOrThrow({ where: { id: syncId } })).fullSyncEveryHours).toBe(24);

  await interval.fill("6");
  await page.getByRole("button", { name: "SAVE" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(page.getByText("Every 6 hours")).toBeVisible();
  expect((await stack.db.userSync.findUniqueOrThrow({ where: { id: syncId } })).fullSyncEveryHours).toBe(6);
});
