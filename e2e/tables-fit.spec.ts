// The Users, a group's members, User Groups and SYNC HISTORY tables fit a 1280 px and a 1024 px
// screen: no sideways scrolling, one line a row however long or odd Okta's text, the head row
// in view while the page scrolls, the full value of a cut cell on hover and in its accessible name,
// and names in natural order.
import type { Locator, Page } from "@playwright/test";
import { expectAccessible } from "./support/a11y";
import { createOrganization, type Organization, signInAs } from "./support/organizations";
import { expect, test } from "./support/stack-fixture";

const LONG_NAME = "Maximiliane Alexandrina Theodora von Hohenzollern-Sigmaringen zu Wittgenstein";
const LONG_EMAIL =
  "maximiliane.alexandrina.theodora.von.hohenzollern-sigmaringen@subsidiary.example-corporation.test";
const UNBROKEN = `Ǆ${"ǅ".repeat(120)}`;
// biome-ignore format: a word list
const ODD_NAMES = [
  LONG_NAME, UNBROKEN, "محمد عبد الله بن عبد العزيز", "\u202eevil.exe\u200b", "美咲 田中 (マーケティング部 東京本社)",
  "Zoë Ångström-Øvergaard", "👩🏽‍💻 Dev 🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀", "Ünïcödé̷̛̖̈ Zalgo̸̢̬̓", "O'Brien-Łęcki", "Nguyễn Thị Minh Khai",
];
const LONG_GROUP = "Équipe Paris — Vertrieb München — 営業部 — Contractors with temporary access (EMEA)";
const LONG_SYNC = "Okta Workspace — production tenant (acme-corporation-global.okta-emea.example)";

const TRIGGERS = ["MANUAL", "SCHEDULED", "REPLAY"] as const;
const STATUSES = ["PARTIAL", "SUCCEEDED", "FAILED", "CANCELLED", "BLOCKED"] as const;
const ENROLLMENTS = ["NONE", "INVITED", "ENROLLED"] as const;

let org: Organization;
let syncId: string;
let groupId: string;

test.beforeAll(async ({ stack }) => {
  const { db } = stack;
  org = await createOrganization(db, "Tables");
  await db.user.update({ where: { id: org.admin.userId }, data: { name: LONG_NAME } });
  // Never run: only its name and runs are shown.
  const sync = await db.userSync.create({
    data: {
      organizationId: org.id,
      name: LONG_SYNC,
      domain: "https://acme-corporation-global.okta-emea.example",
      credentialCiphertext: "tables-fixture-not-a-ciphertext",
      credentialHint: "e2e0",
      enrollmentType: "SEND_ENROLLMENT_EMAIL",
      uniqueField: "EMAIL",
    },
  });
  syncId = sync.id;
  const statuses = ["ACTIVE", "PASSWORD_EXPIRED", "DEPROVISIONED", "LOCKED_OUT", "SUSPENDED"];
  await db.directoryUser.createMany({
    data: Array.from({ length: 60 }, (_, i) => {
      const name = ODD_NAMES[i % ODD_NAMES.length] as string;
      return {
        organizationId: org.id,
        userSyncId: sync.id,
        externalId: `00u-tables-${i}`,
        name: i < ODD_NAMES.length ? name : `${name} ${i}`,
        email: i % 7 === 3 ? null : `${i}.${LONG_EMAIL}`,
        username: `${i}.${LONG_EMAIL.replace("@", ".login@")}`,
        status: statuses[i % statuses.length] as string,
        emailVerified: i % 2 === 0,
        enrollmentStatus: ENROLLMENTS[i % ENROLLMENTS.length] as (typeof ENROLLMENTS)[number],
      };
    }),
  });
  const users = await db.directoryUser.findMany({ where: { organizationId: org.id }, select: { id: true } });
  // Team 1 … Team 40 (natural order: Team 5 before Team 10), with a long name and description.
  await db.userGroup.createMany({
    data: Array.from({ length: 40 }, (_, i) => ({
      organizationId: org.id,
      userSyncId: sync.id,
      name: i === 0 ? LONG_GROUP : `Team ${i}`,
      description: `${LONG_GROUP} ${i}: ${"synced from Okta, managed by IT. ".repeat(4)}`,
      memberCount: users.length,
    })),
  });
  const groups = await db.userGroup.findMany({
    where: { organizationId: org.id, name: { in: [LONG_GROUP, "Team 1", "Team 2", "Team 3", "Team 4"] } },
  });
  groupId = groups.find((g) => g.name === LONG_GROUP)?.id as string;
  await db.groupMembership.createMany({
    data: users.flatMap((u) => groups.map((g) => ({ groupId: g.id, userId: u.id }))),
  });
  const now = Date.now();
  await db.syncRun.createMany({
    data: Array.from({ length: 30 }, (_, i) => ({
      organizationId: org.id,
      userSyncId: sync.id,
      trigger: TRIGGERS[i % TRIGGERS.length] as (typeof TRIGGERS)[number],
      status: STATUSES[i % STATUSES.length] as (typeof STATUSES)[number],
      phase: "DONE",
      mode: i % 4 === 0 ? "FULL" : "INCREMENTAL",
      fallback: i % 4 === 1 ? "The System Log was not readable" : null,
      startedById: i % 3 === 0 ? org.admin.userId : null,
      queuedAt: new Date(now - (i + 1) * 3_600_000),
      startedAt: new Date(now - (i + 1) * 3_600_000),
      finishedAt: new Date(now - (i + 1) * 3_600_000 + 3_599_000),
      usersCreated: 93_552,
      usersUpdated: 12_345,
      usersDeleted: 1_234,
      usersFailed: i % 2 === 0 ? 6_448 : 0,
      groupsCreated: 1_001,
      groupsUpdated: 120,
      groupsDeleted: 33,
    })),
  });
});

/** Nothing scrolls sideways, the table is no wider than its box, and every row is one line. */
async function expectFits(table: Locator, label: string) {
  const measured = await table.evaluate((element) => {
    const box = element.parentElement as HTMLElement;
    const cell = element.querySelector("tbody td") as HTMLElement;
    const style = getComputedStyle(cell);
    const oneLine = Number.parseFloat(style.lineHeight);
    const padding = Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom);
    return {
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
      tableOverflow: element.getBoundingClientRect().width - box.clientWidth,
      tallRows: [...element.querySelectorAll("tbody tr")]
        .filter((row) => row.getBoundingClientRect().height >= padding + 2 * oneLine)
        .map((row) => row.textContent?.slice(0, 60)),
      rows: element.querySelectorAll("tbody tr").length,
    };
  });
  expect(measured.pageOverflow, `${label}: the page scrolls sideways`).toBeLessThanOrEqual(0);
  expect(measured.tableOverflow, `${label}: the table is wider than its box`).toBeLessThanOrEqual(0.5);
  expect(measured.tallRows, `${label}: rows on more than one line`).toEqual([]);
  expect(measured.rows, label).toBeGreaterThan(10);
}

/** Scrolled past the table's top, its head row stays at the top of the screen, above the rows. */
async function expectStickyHead(page: Page, table: Locator, label: string) {
  const head = table.getByRole("columnheader").first();
  await table.evaluate((element) =>
    window.scrollTo(0, element.getBoundingClientRect().top + window.scrollY + 300),
  );
  const box = await head.boundingBox();
  expect(box?.y, `${label}: the head row left the screen`).toBeCloseTo(0, 0);
  const onTop = await head.evaluate((th) => {
    const r = th.getBoundingClientRect();
    return th.contains(document.elementFromPoint(r.left + 5, r.top + r.height / 2));
  });
  expect(onTop, `${label}: rows show through the head row`).toBe(true);
  await page.evaluate(() => window.scrollTo(0, 0));
}

for (const width of [1280, 1024]) {
  test(`the four tables fit ${width} px: one line a row, head row sticky, full values on hover`, async ({
    stack,
    page,
  }, info) => {
    test.setTimeout(180_000); // four pages, each checked by axe
    await page.setViewportSize({ width, height: 800 });
    await signInAs(page, stack.url, org.admin.email);
    const pages = [
      { path: "/user-management/users", table: "Users" },
      { path: `/user-management/user-groups/${groupId}`, table: `Members of ${LONG_GROUP}` },
      { path: "/user-management/user-groups", table: "User groups" },
      { path: `/user-management/user-sync/${syncId}`, table: "Sync history" },
    ];
    for (const { path, table: name } of pages) {
      await page.goto(`${stack.url}${path}`);
      const table = page.getByRole("table", { name });
      await expect(table.getByRole("row").nth(1)).toBeVisible();
      await expectFits(table, `${name} at ${width}`);
      await expectStickyHead(page, table, `${name} at ${width}`);
      await expectAccessible(page);
      await page.screenshot({ path: info.outputPath(`${name.split(" ")[0]}-${width}.png`), fullPage: true });
    }

    // A cut value is whole on hover (title) and for screen readers (the link's name).
    await page.goto(`${stack.url}/user-management/users`);
    const users = page.getByRole("table", { name: "Users" });
    const longName = page.getByRole("link", { name: LONG_NAME, exact: true });
    await expect(users.getByRole("cell").filter({ has: longName })).toHaveAttribute("title", LONG_NAME);
    await expect(users.getByRole("cell", { name: `0.${LONG_EMAIL}`, exact: true })).toHaveAttribute(
      "title",
      `0.${LONG_EMAIL}`,
    );
    // Status, Enrollment and (from 1280 px) Email verified and Source show; Username and Groups are
    // on the user's page.
    const headers = await users.getByRole("columnheader").allTextContents();
    expect(headers).toEqual(
      width === 1280
        ? ["Name", "Email", "Status", "Email verified", "Enrollment", "Source"]
        : ["Name", "Email", "Status", "Enrollment"],
    );
    await users.getByRole("link", { name: LONG_NAME, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: LONG_NAME })).toBeVisible();
    await expect(page.getByText(LONG_SYNC)).toBeVisible();
  });
}

test("User Groups lists names in natural order: Team 5 before Team 10 and Team 40", async ({
  stack,
  page,
}) => {
  await signInAs(page, stack.url, org.admin.email);
  await page.goto(`${stack.url}/user-management/user-groups`);
  const names = await page.getByRole("table", { name: "User groups" }).getByRole("link").allTextContents();
  expect(names.slice(0, 12)).toEqual([
    "Équipe Paris — Vertrieb München — 営業部 — Contractors with temporary access (EMEA)",
    ...Array.from({ length: 11 }, (_, i) => `Team ${i + 1}`),
  ]);
});
