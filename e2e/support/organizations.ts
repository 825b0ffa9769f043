import { randomBytes } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { hashPassword } from "@/lib/auth/password";
import type { Db, Role } from "@/lib/db";

export const PASSWORD = "hardening-horse-battery";

export interface Person {
  userId: string;
  email: string;
}

export interface Organization {
  id: string;
  name: string;
  owner: Person;
  admin: Person;
  member: Person;
}

/** Signs in on the sign-in page of the app at `baseUrl` (password PASSWORD). */
export async function signInAs(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toBeVisible();
}

/** An organization of its own for a spec, with one member of each role (password PASSWORD). */
export async function createOrganization(db: Db, name: string): Promise<Organization> {
  const slug = `${name.toLowerCase().replace(/\W+/g, "-")}-${randomBytes(3).toString("hex")}`;
  const organization = await db.organization.create({ data: { name, slug } });
  const passwordHash = await hashPassword(PASSWORD);
  const person = async (role: Role): Promise<Person> => {
    const email = `${role.toLowerCase()}@${slug}.test`;
    const user = await db.user.create({
      data: {
        email,
        name: `${name} ${role.toLowerCase()}`,
        passwordHash,
        memberships: { create: { organizationId: organization.id, role } },
      },
    });
    return { userId: user.id, email };
  };
  return {
    id: organization.id,
    name,
    owner: await person("OWNER"),
    admin: await person("ADMINISTRATOR"),
    member: await person("MEMBER"),
  };
}
