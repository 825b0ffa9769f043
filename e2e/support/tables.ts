import type { Locator } from "@playwright/test";

/**
 * The cell of `row` under the column headed `column`. A table that fits its width hides its less
 * important columns when narrow (`shownFrom` in components/ui/table.tsx), so a column's position
 * depends on the screen: specs find cells by their column's header.
 */
export async function cellUnder(table: Locator, row: Locator, column: string): Promise<Locator> {
  const headers = table.getByRole("columnheader");
  await headers.first().waitFor();
  const shown = await headers.allTextContents();
  const index = shown.indexOf(column);
  if (index < 0) throw new Error(`No column "${column}" among ${shown.join(", ")}`);
  return row.getByRole("cell").nth(index);
}
