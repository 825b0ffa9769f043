// Trends on a sync's page: the chart of its last finished runs, drawn in the browser under the nonce
// CSP without a violation, a hydration warning or a console error, with the same numbers in a table,
// fitting the page at 1280 and 1024 px, and a designed empty state until two runs have finished.
import type { Page } from "@playwright/test";
import type { SyncRunStatus } from "@/lib/db";
import { expectAccessible } from "./support/a11y";
import { createOrganization, type Organization, PASSWORD } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";

const MINUTE = 60_000;
const t0 = Date.parse("2026-11-02T08:00:00Z");

/** Finished runs, oldest first, as the table must list them. */
const FINISHED: {
  status: SyncRunStatus;
  created: number;
  updated: number;
  deleted: number;
  deprovisioned: number;
  failed: number;
  seconds: number;
}[] = [
  { status: "SUCCEEDED", created: 1200, updated: 0, deleted: 0, deprovisioned: 0, failed: 0, seconds: 95 },
  { status: "PARTIAL", created: 3, updated: 14, deleted: 2, deprovisioned: 1, failed: 4, seconds: 7 },
  { status: "FAILED", created: 0, updated: 6, deleted: 0, deprovisioned: 0, failed: 0, seconds: 62 },
  { status: "SUCCEEDED", created: 1, updated: 9, deleted: 0, deprovisioned: 5, failed: 0, seconds: 4 },
];

async function syncWithRuns(stack: Stack, org: Organization, name: string, runs: typeof FINISHED) {
  const sync = await stack.db.userSync.create({
    data: {
      organizationId: org.id,
      name,
      domain: "https://trends.okta.com",
      credentialCiphertext: "not-used-no-run-starts",
      credentialHint: "abcd",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    },
  });
  for (const [i, run] of runs.entries()) {
    const startedAt = new Date(t0 + i * 60 * MINUTE);
    await stack.db.syncRun.create({
      data: {
        organizationId: org.id,
        userSyncId: sync.id,
        trigger: "SCHEDULED",
        status: run.status,
        phase: "DONE",
        queuedAt: startedAt,
        startedAt,
        finishedAt: new Date(startedAt.getTime() + run.seconds * 1000),
        usersCreated: run.created,
        usersUpdated: run.updated,
        usersDeleted: run.deleted,
        usersDeprovisioned: run.deprovisioned,
        usersFailed: run.failed,
      },
    });
  }
  return sync;
}

/** Everything the browser reports that a clean page must not: errors, CSP violations, hydration. */
function watchBrowser(page: Page) {
  const problems: string[] = [];
  page.on("console", (message) => {
    const text = message.text();
    // The app has no favicon: the browser's own request for one is not the page's doing.
    if (message.type() === "error" && !message.location().url.endsWith("/favicon.ico"))
      problems.push(`console error: ${text}`);
    else if (/Content[- ]Security[- ]Policy|hydrat/i.test(text)) problems.push(`console: ${text}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

async function signIn(page: Page, stack: Stack, email: string) {
  // Violations the page itself sees, whether or not the browser also logs them.
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { cspViolations: seen });
    document.addEventListener("securitypolicyviolation", (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  await page.goto(`${stack.url}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toBeVisible();
}

const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

let org: Organization;
test.beforeAll(async ({ stack }) => {
  org = await createOrganization(stack.db, "Trending");
});

test("the chart of the last finished runs draws under the CSP, with the same numbers in a table", async ({
  stack,
  page,
}) => {
  test.slow(); // two widths, each checked by axe
  const sync = await syncWithRuns(stack, org, "Okta trends", FINISHED);
  // A run cancelled before it started did no work: not in the trends (active runs neither: runs.test.ts).
  await stack.db.syncRun.create({
    data: {
      organizationId: org.id,
      userSyncId: sync.id,
      trigger: "MANUAL",
      status: "CANCELLED",
      queuedAt: new Date(t0 + 10 * 60 * MINUTE),
      finishedAt: new Date(t0 + 10 * 60 * MINUTE),
    },
  });

  const problems = watchBrowser(page);
  await signIn(page, stack, org.admin.email);
  for (const width of [1280, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${stack.url}/user-management/user-sync/${sync.id}`);
    const trends = page.getByTestId("run-trends");
    await expect(trends.getByRole("heading", { name: "Trends" })).toBeVisible();
    await expect(trends).toContainText("The last 4 finished runs");

    // The SVG exists only once the browser has drawn it: the page hydrated.
    const users = trends.getByRole("img", {
      name: /^Users created, updated, removed and failed per run: 4 runs/,
    });
    const bars = users.locator("svg .recharts-bar");
    await expect(bars).toHaveCount(4);
    // Every non-zero count is a bar segment: created 3, updated 3, removed 2, failed 1.
    await expect(users.locator("svg .recharts-bar-rectangle path")).toHaveCount(9);
    for (const series of ["Created", "Updated", "Removed", "Failed"])
      await expect(users.locator(".recharts-legend-item-text", { hasText: series })).toBeVisible();
    const duration = trends.getByRole("img", { name: /^Duration of each run: 4 runs/ });
    await expect(duration.locator("svg .recharts-bar-rectangle path")).toHaveCount(4);

    // Hovering a run shows its numbers, in both charts.
    await duration.locator("svg .recharts-bar-rectangle path").nth(1).hover();
    await expect(users.locator(".recharts-tooltip-wrapper")).toContainText("Created: 3");
    await expect(users.locator(".recharts-tooltip-wrapper")).toContainText("Failed: 4");
    await expect(duration.locator(".recharts-tooltip-wrapper")).toContainText("Duration: 7s");

    await trends.getByText("Show these runs as a table").click();
    const table = trends.getByRole("table", { name: "The last 4 finished runs, oldest first" });
    await expect(table).toBeVisible();
    await expect(table.getByRole("columnheader")).toHaveText([
      "Started (UTC)",
      "Status",
      "Created",
      "Updated",
      "Removed",
      "Failed",
      "Duration",
    ]);
    const rows = table.locator("tbody tr");
    await expect(rows).toHaveCount(FINISHED.length);
    const statusLabel = { SUCCEEDED: "Succeeded", PARTIAL: "Partial", FAILED: "Failed" } as Record<
      string,
      string
    >;
    const durations = ["1m 35s", "7s", "1m 2s", "4s"];
    for (const [i, run] of FINISHED.entries()) {
      const hour = String(8 + i).padStart(2, "0");
      await expect(rows.nth(i).locator("th, td")).toHaveText([
        `2026-11-02 ${hour}:00`,
        statusLabel[run.status] as string,
        run.created.toLocaleString("en"),
        String(run.updated),
        String(run.deleted + run.deprovisioned),
        String(run.failed),
        durations[i] as string,
      ]);
    }

    // Fits: the page does not scroll sideways, nor does the table inside its card.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    const overflow = await table.evaluate((el) => {
      const box = el.parentElement as HTMLElement;
      return box.scrollWidth - box.clientWidth;
    });
    expect(overflow, `the trends table scrolls sideways at ${width} px`).toBe(0);
    await expectAccessible(page);
    expect(await cspViolations(page)).toEqual([]);
  }
  expect(problems).toEqual([]);
});

test("fewer than two finished runs: the section says when trends will show, and draws nothing", async ({
  stack,
  page,
}) => {
  const problems = watchBrowser(page);
  const sync = await syncWithRuns(stack, org, "Okta new", FINISHED.slice(0, 1));
  await signIn(page, stack, org.admin.email);
  await page.goto(`${stack.url}/user-management/user-sync/${sync.id}`);
  const trends = page.getByTestId("run-trends");
  await expect(trends).toContainText("One run has finished so far. Trends show once two runs have finished");
  await expect(trends.locator("svg")).toHaveCount(0);
  await expect(trends.getByRole("table")).toHaveCount(0);
  await expectAccessible(page);
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});
