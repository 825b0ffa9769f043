import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/test-support/db";
import { getMailboxEmail, listMailbox, MAILBOX_PAGE_SIZE } from "./mailbox";
import { createOrganization } from "./testing/factories";

let t: TestDb;
let acme: string;
let globex: string;
beforeAll(async () => {
  t = await createTestDb();
  acme = (await createOrganization(t.db, { name: "Acme" })).organization.id;
  globex = (await createOrganization(t.db, { name: "Globex" })).organization.id;
  const email = (organizationId: string, i: number) => ({
    organizationId,
    template: "sync-report",
    to: `admin${i}@example.test`,
    subject: `Report ${i}`,
    html: "<p>hi</p>",
    text: "hi",
    status: "STORED" as const,
    provider: "outbox",
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
  });
  await t.db.email.createMany({
    data: [
      ...Array.from({ length: MAILBOX_PAGE_SIZE + 5 }, (_, i) => email(acme, i)),
      email(globex, 999),
      { ...email(acme, 998), organizationId: null },
    ],
  });
});
afterAll(() => t.close());

describe("mailbox", () => {
  it("lists the organization's emails newest first, a page at a time", async () => {
    const first = await listMailbox(t.db, acme);
    expect(first).toMatchObject({ total: MAILBOX_PAGE_SIZE + 5, page: 1, pageCount: 2 });
    expect(first.emails).toHaveLength(MAILBOX_PAGE_SIZE);
    expect(first.emails[0]?.subject).toBe(`Report ${MAILBOX_PAGE_SIZE + 4}`);
    const second = await listMailbox(t.db, acme, { page: 2 });
    expect(second.emails.map((e) => e.subject)).toEqual([
      "Report 4",
      "Report 3",
      "Report 2",
      "Report 1",
      "Report 0",
    ]);
    expect(JSON.stringify(first.emails)).not.toContain("<p>hi</p>");
  });

  it("never shows another organization's email, whatever the id", async () => {
    const [theirs] = (await listMailbox(t.db, globex)).emails;
    expect(theirs?.subject).toBe("Report 999");
    expect(await getMailboxEmail(t.db, acme, theirs?.id ?? "")).toBeNull();
    expect((await getMailboxEmail(t.db, globex, theirs?.id ?? ""))?.html).toBe("<p>hi</p>");
  });
});
