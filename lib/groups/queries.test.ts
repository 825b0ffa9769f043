import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/test-support/db";
import { hostileCursor, hostileText, queryValue } from "@/test-support/hostile";
import { getGroup, groupListQuery, listGroupMembers, listGroups, memberListQuery } from "./queries";

let t: TestDb;
let acme: string;
let engineering: string;

beforeAll(async () => {
  t = await createTestDb();
  acme = (await t.db.organization.create({ data: { name: "Acme", slug: "acme" } })).id;
  const other = (await t.db.organization.create({ data: { name: "Other", slug: "other" } })).id;
  await t.db.userGroup.createMany({
    data: [
      ...Array.from({ length: 12 }, (_, i) => ({ organizationId: acme, name: `Group ${i}` })),
      { organizationId: other, name: "Group elsewhere" },
    ],
  });
  engineering = (await t.db.userGroup.create({ data: { organizationId: acme, name: "Engineering" } })).id;
  const user = await t.db.directoryUser.create({
    data: { organizationId: acme, name: "Ada", status: "ACTIVE" },
  });
  await t.db.groupMembership.create({ data: { groupId: engineering, userId: user.id } });
});
afterAll(() => t.close());

describe("hostile query strings on User Groups", () => {
  const params = (keys: string[]) =>
    fc.dictionary(fc.constantFrom(...keys), fc.oneof(queryValue, hostileCursor), { maxKeys: 4 });

  it("never fail and list only the organization's groups", async () => {
    const own = new Set(
      (await t.db.userGroup.findMany({ where: { organizationId: acme } })).map((g) => g.id),
    );
    await fc.assert(
      fc.asyncProperty(params(["q", "source", "after", "before"]), async (query) => {
        const page = await listGroups(t.db, acme, groupListQuery.parse(query), 5);
        for (const group of page.items) expect(own.has(group.id)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("page a group's members whatever the cursor", async () => {
    await fc.assert(
      fc.asyncProperty(params(["after", "before"]), async (query) => {
        const page = await listGroupMembers(t.db, engineering, memberListQuery.parse(query));
        for (const user of page.items) expect(user.name).toBe("Ada");
      }),
      { numRuns: 30 },
    );
  });

  it("find no group for an id that is not one of the organization's", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(100), async (id) => {
        expect(await getGroup(t.db, acme, id)).toBeNull();
      }),
      { numRuns: 50 },
    );
  });
});
