import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncRunStatus } from "@/lib/db";
import { createOrganization, createSyncRun, createUserSync } from "@/lib/email/testing/factories";
import { openTestDb } from "@/lib/sync/testing/fixtures";
import type { TestDb } from "@/test-support/db";
import { listRunTrends, TREND_RUNS } from "./runs";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

const MINUTE = 60_000;
const at = (minutes: number) => new Date(Date.parse("2026-11-01T09:00:00Z") + minutes * MINUTE);

async function newSync() {
  const { organization } = await createOrganization(t.db);
  const sync = await createUserSync(t.db, { organizationId: organization.id });
  /** A run queued at minute `m`, started a minute later and, unless active, ended `minutes` after. */
  const run = (m: number, status: SyncRunStatus, extra: Record<string, unknown> = {}) =>
    createSyncRun(t.db, {
      organizationId: organization.id,
      userSyncId: sync.id,
      status,
      queuedAt: at(m),
      startedAt: at(m + 1),
      finishedAt: ["QUEUED", "RUNNING", "BLOCKED"].includes(status) ? null : at(m + 3),
      ...extra,
    });
  return { sync, run };
}

describe("listRunTrends", () => {
  it("gives the finished runs oldest first, removed as deleted plus deprovisioned, duration as finish minus start", async () => {
    const { sync, run } = await newSync();
    const first = await run(0, "SUCCEEDED", { usersCreated: 120, usersUpdated: 0 });
    const second = await run(60, "PARTIAL", {
      usersCreated: 2,
      usersUpdated: 5,
      usersDeleted: 3,
      usersDeprovisioned: 4,
      usersFailed: 1,
      finishedAt: at(60 + 1 + 0.5),
    });
    const failed = await run(120, "FAILED", { usersUpdated: 9 });
    const cancelled = await run(180, "CANCELLED");

    const trends = await listRunTrends(t.db, sync.id);
    expect(trends.map((r) => r.id)).toEqual([first.id, second.id, failed.id, cancelled.id]);
    expect(trends[0]).toMatchObject({
      created: 120,
      updated: 0,
      removed: 0,
      failed: 0,
      durationMs: 2 * MINUTE,
    });
    expect(trends[1]).toEqual({
      id: second.id,
      startedAt: at(61),
      status: "PARTIAL",
      created: 2,
      updated: 5,
      removed: 7,
      failed: 1,
      durationMs: 30_000,
    });
    expect(trends[2]).toMatchObject({ status: "FAILED", updated: 9 });
  });

  it("leaves out active runs, runs that ended without starting, and other syncs' runs", async () => {
    const { sync, run } = await newSync();
    const done = await run(0, "SUCCEEDED");
    await run(10, "RUNNING");
    await run(20, "BLOCKED");
    await run(30, "QUEUED", { startedAt: null });
    // Cancelled while queued, or never picked up by the worker: no start, no work.
    await run(40, "CANCELLED", { startedAt: null });
    await run(50, "FAILED", { startedAt: null });
    // A preview's counts are what a sync would have done.
    await run(60, "SUCCEEDED", { preview: true, usersCreated: 500 });
    const other = await newSync();
    await other.run(5, "SUCCEEDED");

    expect((await listRunTrends(t.db, sync.id)).map((r) => r.id)).toEqual([done.id]);
  });

  it(`keeps the newest ${TREND_RUNS} runs by default`, async () => {
    const { sync, run } = await newSync();
    const runs = [];
    for (let i = 0; i < TREND_RUNS + 5; i++) runs.push(await run(i * 60, "SUCCEEDED", { usersUpdated: i }));

    const trends = await listRunTrends(t.db, sync.id);
    expect(trends).toHaveLength(TREND_RUNS);
    expect(trends.map((r) => r.id)).toEqual(runs.slice(5).map((r) => r.id));
    expect((await listRunTrends(t.db, sync.id, 3)).map((r) => r.updated)).toEqual([32, 33, 34]);
  });
});
