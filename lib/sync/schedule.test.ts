import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncSchedule } from "@/lib/db";
import { createTestDb, type TestDb } from "@/test-support/db";
import { dueUserSyncs } from "./schedule";

let t: TestDb;
let organizationId: string;
beforeAll(async () => {
  t = await createTestDb();
  organizationId = (await t.db.organization.create({ data: { name: "Scheduled", slug: "scheduled" } })).id;
});
afterAll(() => t.close());

const NOW = new Date("2026-03-02T12:00:00.000Z");
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

/** A sync with this schedule whose latest run was queued `lastRunMinutesAgo` ago (none if null). */
async function sync(name: string, schedule: SyncSchedule, lastRunMinutesAgo: number | null, active = false) {
  const created = await t.db.userSync.create({
    data: {
      organizationId,
      name,
      domain: "acme.okta.com",
      credentialCiphertext: "unused",
      credentialHint: "abcd",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
      schedule,
    },
  });
  if (lastRunMinutesAgo !== null) {
    const run = await t.db.syncRun.create({
      data: {
        organizationId,
        userSyncId: created.id,
        trigger: "MANUAL",
        status: active ? "RUNNING" : "SUCCEEDED",
        queuedAt: minutesAgo(lastRunMinutesAgo),
      },
    });
    if (active) await t.db.userSync.update({ where: { id: created.id }, data: { activeRunId: run.id } });
  }
  return created.id;
}

describe("dueUserSyncs", () => {
  it("picks the idle hourly and daily syncs whose latest run is a period old, or that never ran", async () => {
    const due = [
      await sync("hourly, never ran", "HOURLY", null),
      await sync("hourly, 55 minutes ago", "HOURLY", 55),
      await sync("hourly, 3 hours ago", "HOURLY", 180),
      await sync("daily, never ran", "DAILY", null),
      await sync("daily, 23h55 ago", "DAILY", 23 * 60 + 55),
    ];
    await sync("off", "OFF", null);
    await sync("off, long ago", "OFF", 10_000);
    await sync("hourly, 54 minutes ago", "HOURLY", 54);
    await sync("hourly, running", "HOURLY", 180, true);
    await sync("daily, 23h54 ago", "DAILY", 23 * 60 + 54);
    await sync("daily, running", "DAILY", 3000, true);

    const found = await dueUserSyncs(t.db, NOW);
    expect(found.map((s) => s.id).sort()).toEqual(due.sort());
    expect(found.every((s) => s.organizationId === organizationId)).toBe(true);
  });
});
