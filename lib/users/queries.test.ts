import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserSync } from "@/lib/email/testing/factories";
import { createTestDb, type TestDb } from "@/test-support/db";
import { hostileCursor, hostileText, queryValue } from "@/test-support/hostile";
import {
  getUser,
  listUsers,
  type UserListQuery,
  userFilterOptions,
  userListQuery,
  usersToExport,
} from "./queries";

let t: TestDb;
let acme: string;
let other: string;
let engineering: string;
let elsewhere: string;

const query = (q: Partial<UserListQuery> = {}) => userListQuery.parse(q);

beforeAll(async () => {
  t = await createTestDb();
  acme = (await t.db.organization.create({ data: { name: "Acme", slug: "acme" } })).id;
  other = (await t.db.organization.create({ data: { name: "Other", slug: "other" } })).id;
  const names = Array.from({ length: 125 }, (_, i) => `User ${String(i).padStart(3, "0")}`);
  await t.db.directoryUser.createMany({
    data: names.map((name, i) => ({
      organizationId: acme,
      name,
      email: `user${i}@acme.test`,
      emailKey: `user${i}@acme.test`,
      username: `user${i}`,
      status: i % 10 === 0 ? "DEPROVISIONED" : "ACTIVE",
    })),
  });
  await t.db.directoryUser.create({
    data: { organizationId: other, name: "User 000 elsewhere", status: "ACTIVE" },
  });
  // memberCount as the sync keeps it (refreshMemberCounts).
  engineering = (
    await t.db.userGroup.create({ data: { organizationId: acme, name: "Engineering", memberCount: 2 } })
  ).id;
  elsewhere = (
    await t.db.userGroup.create({ data: { organizationId: other, name: "Theirs", memberCount: 7 } })
  ).id;
  const members = await t.db.directoryUser.findMany({
    where: { organizationId: acme, username: { in: ["user1", "user2"] } },
  });
  await t.db.groupMembership.createMany({
    data: members.map((m) => ({ groupId: engineering, userId: m.id })),
  });
});
afterAll(() => t.close());

describe("listUsers", () => {
  it("pages forward and back by name with stable cursors, within the organization only", async () => {
    const first = await listUsers(t.db, acme, query(), 50);
    expect(first.total).toBe(125);
    expect(first.items.map((u) => u.name).slice(0, 2)).toEqual(["User 000", "User 001"]);
    // Each user's group count, for "+N more": user1 is in Engineering, user0 in nothing.
    expect(first.items.slice(0, 2).map((u) => u._count.memberships)).toEqual([0, 1]);
    expect(first.prev).toBeNull();
    const second = await listUsers(t.db, acme, query({ after: first.next ?? "" }), 50);
    expect(second.items[0]?.name).toBe("User 050");
    const third = await listUsers(t.db, acme, query({ after: second.next ?? "" }), 50);
    expect(third.items.map((u) => u.name)).toHaveLength(25);
    expect(third.next).toBeNull();
    const back = await listUsers(t.db, acme, query({ before: third.prev ?? "" }), 50);
    expect(back.items.map((u) => u.id)).toEqual(second.items.map((u) => u.id));
    expect(back.items.some((u) => u.name.includes("elsewhere"))).toBe(false);
  });

  it("pages through equal names by id, both ways, without skipping or repeating anyone", async () => {
    const org = (await t.db.organization.create({ data: { name: "Ties", slug: "ties" } })).id;
    await t.db.directoryUser.createMany({
      data: ["Ann", "Bo", "Bo", "Bo", "Bo", "Cy"].map((name) => ({
        organizationId: org,
        name,
        status: "ACTIVE",
      })),
    });
    const all = (await listUsers(t.db, org, query(), 10)).items.map((u) => u.id);
    const seen: string[] = [];
    let page = await listUsers(t.db, org, query(), 2);
    for (;;) {
      seen.push(...page.items.map((u) => u.id));
      if (!page.next) break;
      page = await listUsers(t.db, org, query({ after: page.next }), 2);
    }
    expect(seen).toEqual(all);
    for (const sort of ["-name", "created", "-created"] as const) {
      const first = await listUsers(t.db, org, query({ sort }), 3);
      const second = await listUsers(t.db, org, query({ sort, after: first.next ?? "" }), 3);
      const back = await listUsers(t.db, org, query({ sort, before: second.prev ?? "" }), 3);
      expect(new Set([...first.items, ...second.items].map((u) => u.id)).size).toBe(6);
      expect(back.items.map((u) => u.id)).toEqual(first.items.map((u) => u.id));
    }
  });

  it("sorts descending", async () => {
    const page = await listUsers(t.db, acme, query({ sort: "-name" }), 3);
    expect(page.items.map((u) => u.name)).toEqual(["User 124", "User 123", "User 122"]);
  });

  it("searches name, email and username case-insensitively", async () => {
    expect((await listUsers(t.db, acme, query({ q: "USER12@" }))).items.map((u) => u.username)).toEqual([
      "user12",
    ]);
    expect((await listUsers(t.db, acme, query({ q: "user 10" }))).total).toBe(10); // User 100 … User 109
  });

  it("pages a search alike whether its matches are found by trigram first or not", async () => {
    for (const q of ["user 1", "USER12@", "acme.test", "nobody"]) {
      const pages = async (prefetch: number) => {
        const ids: string[] = [];
        let page = await listUsers(t.db, acme, query({ q }), 7, prefetch);
        const total = page.total;
        for (;;) {
          ids.push(...page.items.map((u) => u.id));
          if (!page.next) break;
          page = await listUsers(t.db, acme, query({ q, after: page.next }), 7, prefetch);
        }
        return { total, ids };
      };
      const few = await pages(2000);
      expect(await pages(3)).toEqual(few);
      expect(few.ids).toHaveLength(few.total);
    }
  });

  it("filters by status and by group", async () => {
    expect((await listUsers(t.db, acme, query({ status: "DEPROVISIONED" }))).total).toBe(13);
    const inGroup = await listUsers(t.db, acme, query({ group: engineering }));
    expect(inGroup.items.map((u) => u.username)).toEqual(["user1", "user2"]);
    expect(inGroup.items[0]?.memberships.map((m) => m.group.name)).toEqual(["Engineering"]);
    expect(inGroup.items.map((u) => u._count.memberships)).toEqual([1, 1]);
    expect(inGroup.total).toBe(2);
    // With another filter the matches are counted; another organization's group matches no one.
    expect((await listUsers(t.db, acme, query({ group: engineering, status: "DEPROVISIONED" }))).total).toBe(
      0,
    );
    const theirs = await listUsers(t.db, acme, query({ group: elsewhere }));
    expect([theirs.items, theirs.total]).toEqual([[], 0]);
  });

  it("treats a forged or malformed cursor as the first page", async () => {
    for (const after of ["not-base64!", Buffer.from('{"x":1}').toString("base64url"), "A".repeat(1999)]) {
      const page = await listUsers(t.db, acme, query({ after }), 5);
      expect(page.items[0]?.name).toBe("User 000");
    }
  });

  it("ignores unknown sort and status values instead of failing", () => {
    expect(userListQuery.parse({ sort: "password", status: "<script>" })).toMatchObject({
      sort: "name",
      status: undefined,
    });
  });
});

describe("usersToExport", () => {
  /** Every page of the Users page for a query, in its order. */
  async function everyPage(q: UserListQuery, prefetch?: number) {
    const ids: string[] = [];
    let page = await listUsers(t.db, acme, q, 50, prefetch);
    for (;;) {
      ids.push(...page.items.map((u) => u.id));
      if (!page.next) return ids;
      page = await listUsers(t.db, acme, { ...q, after: page.next }, 50, prefetch);
    }
  }

  async function exported(q: UserListQuery, pageSize: number, prefetch?: number) {
    const pages: string[][] = [];
    for await (const page of usersToExport(t.db, acme, q, pageSize, prefetch))
      pages.push(page.map((u) => u.id));
    return pages;
  }

  it("is every page the Users page shows for the same query, whatever page it is on", async () => {
    const queries: Partial<UserListQuery>[] = [
      {},
      { sort: "-name" },
      { sort: "created" },
      { sort: "-created", status: "DEPROVISIONED" },
      { q: "user 1" },
      { q: "acme.test", sort: "-name" },
      { group: engineering },
      { group: elsewhere },
      { status: "ACTIVE", q: "USER12" },
    ];
    for (const q of queries) {
      const shown = await everyPage(query(q));
      expect(shown.length, JSON.stringify(q)).toBeGreaterThanOrEqual(q.group === elsewhere ? 0 : 1);
      // The page's own cursor is ignored: the export starts at the beginning.
      const second = (await listUsers(t.db, acme, query(q), 5)).next ?? undefined;
      const pages = await exported(query({ ...q, after: second }), 7);
      expect(pages.flat(), JSON.stringify(q)).toEqual(shown);
      expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(7);
      // A search with more matches than the trigram prefetch is the same export.
      if (q.q) expect((await exported(query(q), 7, 3)).flat()).toEqual(shown);
    }
  });

  it("names each user's source, and reads nothing of another organization", async () => {
    const sync = await createUserSync(t.db, {
      organizationId: acme,
      name: "Okta production",
      credentialCiphertext: "not exported",
    });
    await t.db.directoryUser.updateMany({
      where: { organizationId: acme, username: "user3" },
      data: { userSyncId: sync.id },
    });
    const users = [];
    for await (const page of usersToExport(t.db, acme, query(), 1000)) users.push(...page);
    expect(users).toHaveLength(125);
    expect(users.find((u) => u.username === "user3")?.source).toBe("Okta production");
    expect(users.find((u) => u.username === "user4")?.source).toBeNull();
    expect(JSON.stringify(users)).not.toContain("not exported");
    expect(users.some((u) => u.name.includes("elsewhere"))).toBe(false);
  });
});

describe("userFilterOptions", () => {
  it("lists the statuses present in the organization, in order", async () => {
    expect((await userFilterOptions(t.db, acme)).statuses).toEqual(["ACTIVE", "DEPROVISIONED"]);
    expect((await userFilterOptions(t.db, other)).statuses).toEqual(["ACTIVE"]);
    const empty = (await t.db.organization.create({ data: { name: "Empty", slug: "empty" } })).id;
    expect((await userFilterOptions(t.db, empty)).statuses).toEqual([]);
  });
});

describe("getUser", () => {
  it("finds nothing for an id of another organization", async () => {
    const foreign = await t.db.directoryUser.findFirstOrThrow({ where: { organizationId: other } });
    expect(await getUser(t.db, acme, foreign.id)).toBeNull();
    expect((await getUser(t.db, other, foreign.id))?.name).toBe("User 000 elsewhere");
  });
});

describe("hostile query strings", () => {
  const keys = ["q", "status", "source", "group", "sort", "after", "before"] as const;
  const searchParams = fc.dictionary(
    fc.constantFrom(...keys),
    fc.oneof(
      queryValue,
      hostileCursor,
      fc.constant("").map(() => engineering),
    ),
    { maxKeys: 5 },
  );

  it("never fail and never leave the organization, whatever the URL holds", async () => {
    const own = new Set(
      (await t.db.directoryUser.findMany({ where: { organizationId: acme } })).map((u) => u.id),
    );
    await fc.assert(
      fc.asyncProperty(searchParams, async (params) => {
        const page = await listUsers(t.db, acme, userListQuery.parse(params), 5);
        for (const user of page.items) expect(own.has(user.id)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("find no user for an id that is not one of the organization's", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(100), async (id) => {
        expect(await getUser(t.db, acme, id)).toBeNull();
      }),
      { numRuns: 60 },
    );
  });
});
