import { createHash } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { createUserSync } from "@/lib/email/testing/factories";
import { EXPORT_PAGE_SIZE } from "@/lib/export/csv";
import { csvRecords } from "@/test-support/csv";
import { createPostgresTestDb, type TestDb } from "@/test-support/db";
import { usersCsv } from "./export";
import { userListQuery } from "./queries";

// A large export streams from PostgreSQL a page at a time: its memory is a page's, whatever the
// number of users. PostgreSQL itself, not PGlite: PGlite holds its data in this process's memory.
const USERS = 40_000;
/**
 * What the export may keep alive at once: a page of 1,000 users and the CSV it makes (some 2 MB),
 * and what the first queries leave behind (Prisma's and V8's caches). Every user at once is 25 MB
 * or more.
 */
const MAX_GROWTH_MB = 8;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Live memory after a full collection: the JavaScript heap and the buffers (encoded chunks). */
function liveBytes(): number {
  // Twice: what a first collection leaves to finalizers and weak references goes in the second.
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

let t: TestDb;
let organization: { organizationId: string; organizationName: string };

beforeAll(async () => {
  t = await createPostgresTestDb();
  const org = await t.db.organization.create({ data: { name: "Acme", slug: "acme" } });
  const sync = await createUserSync(t.db, { organizationId: org.id, name: "Okta" });
  organization = { organizationId: org.id, organizationName: org.name };
  // One statement: names of a realistic length, every column the export writes filled in.
  await t.db.$executeRaw`
    INSERT INTO "DirectoryUser" (id, "organizationId", "userSyncId", "externalId", email, "emailKey",
      username, name, status, "emailVerified", "enrollmentStatus", "createdAt", "updatedAt")
    SELECT 'u' || lpad(i::text, 8, '0'), ${org.id}, ${sync.id}, '00u' || lpad(i::text, 17, '0'),
      'person.' || i || '@example.com', 'person.' || i || '@example.com', 'person.' || i,
      'Person ' || lpad(i::text, 6, '0') || ' Lastname-of-some-length', 'ACTIVE', i % 2 = 0,
      'INVITED'::"EnrollmentStatus", now(), now()
    FROM generate_series(1, ${USERS}) AS i`;
}, 120_000);
afterAll(() => t?.close());

/** The test database, calling `onPage` as each page of users comes back from it. */
function watchedDb(onPage: () => void): Db {
  return t.db.$extends({
    query: {
      directoryUser: {
        async findMany({ args, query }) {
          const rows = await query(args);
          onPage();
          return rows;
        },
      },
    },
  }) as unknown as Db;
}

/**
 * Exports every user, reading the stream slowly (as a slow client would), and returns what the
 * CSV holds (kept small: its hash, its lines, its first and last rows) and the most memory that
 * was live at any page read or chunk received, above what was live before.
 */
async function measuredExport(pageSize: number) {
  let peak = 0;
  let pagesRead = 0;
  const sample = () => {
    peak = Math.max(peak, liveBytes());
  };
  // Sampled as each page comes back from the database too, while its rows are all alive.
  const db = watchedDb(() => {
    pagesRead++;
    sample();
  });
  const baseline = liveBytes();
  const reader = usersCsv(db, organization, userListQuery.parse({}), pageSize).body.getReader();
  const hash = createHash("sha256");
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let lines = 0;
  let chunks = 0;
  let readAhead = 0;
  let header = "";
  let last = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    hash.update(value);
    const text = decoder.decode(value);
    lines += text.split("\r\n").length - 1;
    if (!header) header = text;
    last = text;
    sample();
    // Slower than the database: a stream that read ahead would read pages meanwhile.
    await delay(50);
    readAhead = Math.max(readAhead, pagesRead - chunks);
    chunks++; // the header first, then a page per chunk
  }
  return {
    digest: hash.digest("hex"),
    lines,
    // The header (the first chunk) and the last row.
    firstAndLast: csvRecords(header + last.slice(last.lastIndexOf("\r\n", last.length - 3) + 2)),
    growthMB: (peak - baseline) / 2 ** 20,
    readAhead,
  };
}

it(`exports ${USERS.toLocaleString("en")} users with a page's memory, not all of them`, async () => {
  const streamed = await measuredExport(EXPORT_PAGE_SIZE);
  expect(streamed.lines).toBe(USERS + 1);
  expect(streamed.firstAndLast).toEqual([
    expect.objectContaining({ Name: `Person ${String(USERS).padStart(6, "0")} Lastname-of-some-length` }),
  ]);
  expect(streamed.readAhead).toBe(0);
  console.log(`streamed: ${streamed.growthMB.toFixed(1)} MB live at most`);
  expect(streamed.growthMB).toBeLessThan(MAX_GROWTH_MB);

  // The measurement can fail: the same export reading every user in one query holds them all.
  const buffered = await measuredExport(USERS);
  console.log(`buffered: ${buffered.growthMB.toFixed(1)} MB live at most`);
  expect(buffered.digest).toBe(streamed.digest);
  expect(buffered.growthMB).toBeGreaterThan(2 * MAX_GROWTH_MB);
  expect(buffered.growthMB).toBeGreaterThan(3 * streamed.growthMB);
}, 120_000);

it("reads no further page once the client has gone away", async () => {
  let pagesRead = 0;
  const db = watchedDb(() => pagesRead++);
  const reader = usersCsv(db, organization, userListQuery.parse({})).body.getReader();
  await reader.read(); // the header
  await reader.read(); // the first page
  const second = reader.read(); // on its way from the database
  await reader.cancel();
  expect((await second).done).toBe(true);
  await delay(500);
  expect(pagesRead).toBeLessThanOrEqual(2);
});
