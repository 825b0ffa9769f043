import { afterAll, beforeAll, expect, it } from "vitest";
import { createSyncRun, createUserSync } from "@/lib/email/testing/factories";
import { csvRecords } from "@/test-support/csv";
import { createTestDb, type TestDb } from "@/test-support/db";
import { runItemsCsv } from "./run-export";

let t: TestDb;
let acme: string;
let other: string;
let runId: string;
let foreignRunId: string;

async function syncWithRun(organizationId: string, name: string) {
  const sync = await createUserSync(t.db, { organizationId, name });
  return createSyncRun(t.db, {
    organizationId,
    userSyncId: sync.id,
    status: "PARTIAL",
    queuedAt: new Date("2025-12-06T01:41:00Z"),
    startedAt: new Date("2025-12-06T01:42:30Z"),
  });
}

beforeAll(async () => {
  t = await createTestDb();
  acme = (await t.db.organization.create({ data: { name: "Acme", slug: "acme" } })).id;
  other = (await t.db.organization.create({ data: { name: "Other", slug: "other" } })).id;
  const run = await syncWithRun(acme, "Okta Ünited");
  runId = run.id;
  foreignRunId = (await syncWithRun(other, "Theirs")).id;
  const at = new Date("2025-12-06T01:43:00Z");
  // Ids out of kind order, so the export's order (kind by kind, then id) is its own.
  const items = [
    {
      id: "i01",
      kind: "UPDATED",
      userKey: "ann@acme.test",
      changes: { email: ["ann@old.test", "ann@acme.test"], status: ["STAGED", "ACTIVE"] },
    },
    {
      id: "i02",
      kind: "ERROR",
      userKey: "=dup@acme.test",
      reason: "Another directory user (00u2) has the same email",
    },
    { id: "i03", kind: "CREATED", userKey: "bob@acme.test" },
    { id: "i04", kind: "DELETED", userKey: "cy@acme.test" },
    { id: "i05", kind: "CREATED", userKey: "@dee" },
    { id: "i06", kind: "DEPROVISIONED", userKey: "eve@acme.test" },
    { id: "i07", kind: "ERROR", userKey: null, reason: "No email, the sync's unique field" },
    {
      id: "i08",
      kind: "UPDATED",
      userKey: "fay@acme.test",
      reason: "Adopted an existing user of the organization",
      changes: { "profile.title": [null, 'Line1\nLine2, "quoted"'] },
    },
  ] as const;
  await t.db.syncRunItem.createMany({
    data: items.map((item, i) => ({ ...item, syncRunId: run.id, externalId: `00u${i}`, createdAt: at })),
  });
  await t.db.syncRunItem.create({
    data: {
      id: "x01",
      syncRunId: foreignRunId,
      kind: "ERROR",
      userKey: "their@other.test",
      reason: "Theirs",
    },
  });
});
afterAll(() => t.close());

async function exported(items: "changes" | "errors", organizationId = acme, id = runId) {
  const file = await runItemsCsv(t.db, organizationId, id, items, 2);
  if (!file) return null;
  const bytes = await new Response(file.body).arrayBuffer();
  return {
    name: file.name,
    records: csvRecords(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes)),
  };
}

it("exports a run's changes kind by kind, with the changed fields as text", async () => {
  const changes = await exported("changes");
  expect(changes?.name).toBe("Okta Ünited run 2025-12-06 0142 UTC changes");
  expect(changes?.records.map((r) => [r.Kind, r.User])).toEqual([
    ["Created", "bob@acme.test"],
    ["Created", "'@dee"],
    ["Updated", "ann@acme.test"],
    ["Updated", "fay@acme.test"],
    ["Deleted", "cy@acme.test"],
    ["Deprovisioned", "eve@acme.test"],
  ]);
  expect(changes?.records[2]).toEqual({
    Kind: "Updated",
    User: "ann@acme.test",
    "Okta id": "00u0",
    Reason: "",
    "Changed fields": 'email: "ann@old.test" → "ann@acme.test"; status: "STAGED" → "ACTIVE"',
    Recorded: "2025-12-06T01:43:00.000Z",
  });
  expect(changes?.records[3]).toMatchObject({
    Reason: "Adopted an existing user of the organization",
    "Changed fields": 'profile.title: null → "Line1\\nLine2, \\"quoted\\""',
  });
});

it("exports a run's errors with their reasons", async () => {
  const errors = await exported("errors");
  expect(errors?.name).toBe("Okta Ünited run 2025-12-06 0142 UTC errors");
  expect(errors?.records).toEqual([
    expect.objectContaining({
      Kind: "Error",
      User: "'=dup@acme.test",
      Reason: "Another directory user (00u2) has the same email",
    }),
    expect.objectContaining({
      Kind: "Error",
      User: "",
      Reason: "No email, the sync's unique field",
      "Changed fields": "",
    }),
  ]);
});

it("finds no run of another organization, nor a malformed id", async () => {
  expect(await exported("errors", acme, foreignRunId)).toBeNull();
  expect(await exported("errors", acme, "../x")).toBeNull();
  expect((await exported("errors", other, foreignRunId))?.records.map((r) => r.User)).toEqual([
    "their@other.test",
  ]);
});
