import { expect, type Page } from "@playwright/test";

/** On a sync's page: clicks SYNC DATA and waits for its run, the newest in SYNC HISTORY, to end as `expected`. */
export async function syncAndWait(page: Page, expected: RegExp): Promise<void> {
  const history = page.getByRole("table", { name: "Sync history" }).getByRole("row");
  // SYNC HISTORY renders with the page: its table, if any, is there once its heading is.
  await expect(page.getByRole("heading", { name: "SYNC HISTORY" })).toBeVisible();
  const rows = await history.count();
  await page.getByRole("button", { name: "SYNC DATA" }).click();
  // The head row and the runs: the new run is listed as soon as it is queued.
  await expect(history).toHaveCount(rows === 0 ? 2 : rows + 1);
  const progress = page.getByTestId("run-progress");
  await expect(progress.getByRole("heading", { name: "Latest run" })).toBeVisible({ timeout: 60_000 });
  await expect(progress.getByText(expected)).toBeVisible();
}
