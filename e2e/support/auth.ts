import { expect, type Page } from "@playwright/test";

export const PASSWORD = process.env.SEED_PASSWORD ?? "correct-horse-battery";

export const MEMBERS = {
  owner: { email: "owner@acme.test", name: "Olivia Owner", role: "Owner" },
  admin: { email: "admin@acme.test", name: "Adam Admin", role: "Administrator" },
  member: { email: "member@acme.test", name: "Mia Member", role: "Member" },
} as const;

export async function signIn(page: Page, who: keyof typeof MEMBERS, password = PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(MEMBERS[who].email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toHaveText(MEMBERS[who].name);
}
