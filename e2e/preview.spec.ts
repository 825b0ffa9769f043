// Preview reads Okta and says what SYNC DATA would create, update, remove and refuse, changing
// nothing and emailing no one; Apply then runs SYNC DATA. Against the production build, its
// Inngest runner and a fake Okta org whose pages are small, so the preview takes several steps.
import type { Page } from "@playwright/test";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { expectAccessible } from "./support/a11y";
import { createOrganization, type Organization, PASSWORD } from "./support/organizations";
import type { Stack } from "./support/stack";
import { expect, test } from "./support/stack-fixture";
import { createSync } from "./support/world";

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1280, height: 900 } });

const person = (n: number, email = `person${n}@preview.test`) => ({
  id: `00upreview${String(n).padStart(12, "0")}`,
  status: "ACTIVE",
  profile: { login: `person${n}@preview.test`, email, firstName: "Pre", lastName: `View ${n}` },
});

let okta: FakeOkta;
let org: Organization;
let syncId: string;

test.beforeAll(async ({ stack }) => {
  okta = await startFakeOkta({
    token: "00preview-okta-token-0123456789abcdef",
    maxPageSize: { users: 3 },
    data: {
      // Ten users, two of whom share the first one's address: 8 imported, 2 refused.
      users: [
        ...Array.from({ length: 8 }, (_, i) => person(i + 1)),
        person(9, "PERSON1@preview.test"),
        person(10, "person1@preview.test"),
      ],
      // With Okta's Everyone group, two groups.
      groups: [{ id: "00gpreviewgroup0000001", name: "Previewers", members: [person(1).id] }],
    },
  });
  org = await createOrganization(stack.db, "Preview");
  const sync = await createSync(stack, org.id, okta, "Okta preview");
  syncId = sync.id;
  // Invitations are email: a preview must send none.
  await stack.db.userSync.update({
    where: { id: syncId },
    data: { enrollmentType: "SEND_ENROLLMENT_EMAIL" },
  });
});
test.afterAll(async () => {
  await okta?.close();
});

async function signIn(page: Page, stack: Stack) {
  await page.goto(`${stack.url}/sign-in`);
  await page.getByLabel("Email").fill(org.admin.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("member-name")).toBeVisible();
}

const finishedRuns = (stack: Stack) =>
  stack.db.syncRun.count({ where: { userSyncId: syncId, finishedAt: { not: null } } });

/** What the organization holds: its users, groups and memberships, and the emails it sent. */
async function store(stack: Stack) {
  const where = { organizationId: org.id };
  return {
    users: await stack.db.directoryUser.findMany({ where, orderBy: { id: "asc" } }),
    groups: await stack.db.userGroup.findMany({ where, orderBy: { id: "asc" } }),
    memberships: await stack.db.groupMembership.count({ where: { group: where } }),
    emails: await stack.db.email.count({ where }),
  };
}

/** Clicks Preview on the sync's page, waits for it to end, and opens its page. */
async function preview(stack: Stack, page: Page) {
  const before = await finishedRuns(stack);
  await page.goto(`${stack.url}/user-management/user-sync/${syncId}`);
  await page.getByRole("button", { name: "Preview", exact: true }).click();
  await expect(page.getByText("Preview started: Okta is read and nothing is changed.")).toBeVisible();
  await expect.poll(() => finishedRuns(stack), { timeout: 60_000 }).toBe(before + 1);
  const progress = page.getByTestId("run-progress");
  await expect(progress.getByRole("heading", { name: "Latest preview" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Sync history" }).getByRole("row").nth(1)).toContainText(
    "Preview",
  );
  await progress.getByRole("link", { name: "View preview →" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Preview of");
}

test("Preview says what SYNC DATA would do and changes nothing; Apply then does it", async ({
  stack,
  page,
}) => {
  await signIn(page, stack);
  const before = await store(stack);
  expect(before.users).toHaveLength(0);

  await preview(stack, page);
  const summary = page.getByRole("region", { name: "What SYNC DATA would do" });
  await expect(summary.getByTestId("preview-users")).toHaveText(
    "Users: create 8 users, update 0, delete 0, refuse 2.",
  );
  await expect(summary.getByTestId("preview-groups")).toHaveText(
    "Groups: create 2 groups, update 0, delete 0.",
  );
  await expect(summary.getByTestId("preview-safeguard")).toHaveCount(0);
  // The first rows of each list: the refused users with their reasons, the users it would create.
  const items = page.getByRole("table", { name: "Errors of this run" });
  await expect(items.getByRole("row")).toHaveCount(3);
  await expect(items).toContainText("same email");
  await page.getByRole("link", { name: "Created", exact: true }).click();
  await expect(page.getByRole("table", { name: "Created of this run" }).getByRole("row")).toHaveCount(9);
  await expectAccessible(page);
  expect(await store(stack)).toEqual(before);

  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/user-management/user-sync/${syncId}$`));
  await expect.poll(() => finishedRuns(stack), { timeout: 60_000 }).toBe(2);
  const applied = await stack.db.syncRun.findFirstOrThrow({
    where: { userSyncId: syncId, preview: false },
  });
  expect(applied).toMatchObject({ status: "PARTIAL", usersCreated: 8, usersFailed: 2, groupsCreated: 2 });
  // SYNC DATA invites the users it created; the preview had invited no one.
  await expect.poll(async () => (await store(stack)).emails, { timeout: 30_000 }).toBeGreaterThanOrEqual(8);
});

test("a preview that removes past the safeguard says SYNC DATA would stop, and removes nothing", async ({
  stack,
  page,
}) => {
  await signIn(page, stack);
  for (let n = 2; n <= 6; n++) okta.directory.deleteUser(person(n).id);
  const before = await store(stack);

  await preview(stack, page);
  await expect(page.getByTestId("preview-users")).toHaveText(
    "Users: create 0 users, update 0, delete 5, refuse 2.",
  );
  await expect(page.getByTestId("preview-safeguard")).toContainText(
    "SYNC DATA would stop at the safeguard: it would remove 5 users",
  );
  await page.getByRole("link", { name: "Deleted", exact: true }).click();
  await expect(page.getByRole("table", { name: "Deleted of this run" })).toContainText(
    "person2@preview.test",
  );
  expect(await store(stack)).toEqual(before);
  const sync = await stack.db.userSync.findUniqueOrThrow({ where: { id: syncId } });
  expect(sync.activeRunId).toBeNull();
});
