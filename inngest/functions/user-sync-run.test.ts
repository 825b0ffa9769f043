import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decideSafeguard, estimateSyncSteps, startRunRequest } from "@/lib/sync";
import { type FakeOkta, startFakeOkta } from "@/scripts/fake-okta";
import { createTestDb, type TestDb } from "@/test-support/db";
import { countsOf, expectedCounts, orgData, stubSyncEnv } from "@/test-support/sync-e2e";
import { createQueuedSyncRun, type SyncFixtureOptions } from "@/test-support/sync-run";
import { estimateRunSteps } from "./capacity";
import { SAFEGUARD_WAITS, userSyncRun } from "./user-sync-run";

// The function's step logic in-process (@inngest/test): real steps, a real engine, a fake Okta.
let t: TestDb;
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: () => t.db,
}));

let fake: FakeOkta;
beforeAll(async () => {
  stubSyncEnv();
  t = await createTestDb();
  fake = await startFakeOkta({ data: orgData(30, [{ name: "Ops", members: [0, 1, 2] }]) });
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
  vi.unstubAllEnvs();
});

type Ids = { organizationId: string; userSyncId: string; syncRunId: string };
type Ctx = Parameters<NonNullable<InngestTestEngine.Options["transformCtx"]>>[0];

// A fresh engine per execution: an engine caches step results across its executions.
const engine = (transformCtx?: (ctx: Ctx) => Ctx) =>
  new InngestTestEngine({ function: userSyncRun, ...(transformCtx && { transformCtx }) });
const requested = ({ organizationId, userSyncId, syncRunId }: Ids) =>
  [
    { name: "user-sync/run.requested", data: { organizationId, userSyncId, syncRunId, trigger: "manual" } },
  ] as [{ name: string; data: Record<string, unknown> }];
const queuedRun = (options: Partial<SyncFixtureOptions> = {}) =>
  createQueuedSyncRun(t.db, { domain: fake.url, token: fake.token, ...options });

/**
 * A synced org of 30 users, then 5 of them deleted in Okta, and the run that will be held by a
 * 10% safeguard (queued, not yet run).
 */
async function runToBeBlocked() {
  const own = await startFakeOkta({ data: orgData(30, [{ name: "Ops", members: [0, 1, 2] }]) });
  const first = await createQueuedSyncRun(t.db, { domain: own.url, token: own.token, safeguardPercent: 10 });
  expect((await engine().execute({ events: requested(first) })).error).toBeUndefined();
  for (const user of own.directory.users.slice(0, 5)) own.directory.deleteUser(user.id);
  const next = await startRunRequest(t.db, {
    organizationId: first.organizationId,
    userSyncId: first.userSyncId,
    trigger: "MANUAL",
    startedById: null,
    forceFull: true,
  });
  if (!next.started) throw new Error("not started");
  return { own, ids: { ...first, syncRunId: next.run.id } };
}

describe("user-sync/run", () => {
  it("claims the run in its first step; a replay meanwhile ends at once, never alongside it", async () => {
    const queued = await queuedRun();
    const started = await engine().executeStep("start-run", { events: requested(queued) });
    expect(started.result).toEqual({
      syncRunId: queued.syncRunId,
      replay: false,
      proceed: true,
      preview: false,
    });
    const midway = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    // Claimed for this Inngest run; the engine's first step starts it.
    expect(midway).toMatchObject({ status: "QUEUED", finishedAt: null, stepSeq: 0 });
    expect(midway.inngestRunId).toBe(started.ctx.runId);

    const replay = await engine().execute({ events: requested(queued) });
    expect(replay.error).toBeUndefined();
    expect(replay.result).toEqual({ syncRunId: expect.any(String), replay: true });
    const rows = await t.db.syncRun.findMany({ where: { userSyncId: queued.userSyncId } });
    expect(rows.map((r) => [r.trigger, r.status, r.stepSeq]).sort()).toEqual([
      ["MANUAL", "QUEUED", 0],
      ["REPLAY", "CANCELLED", 0],
    ]);
  });

  it("syncs the org in engine steps, then sends the report", async () => {
    const queued = await queuedRun();
    const { result, error, state } = await engine().execute({ events: requested(queued) });
    expect(error).toBeUndefined();
    expect(result).toEqual({ syncRunId: queued.syncRunId, replay: false });
    const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } });
    expect(countsOf(run)).toEqual(
      expectedCounts({ usersProcessed: 30, usersCreated: 30, groupsCreated: 2, membershipsAdded: 33 }),
    );
    // start-run, sync-0…5 (the engine's start, users, groups, memberships, safeguard, finish),
    // enrollment-emails-0, send-report.
    expect(run.stepSeq).toBe(6);
    expect(Object.keys(state)).toHaveLength(9);
    const reports = await t.db.email.findMany({ where: { syncRunId: run.id } });
    expect(reports.map((e) => [e.template, e.status, e.to])).toEqual([
      ["sync-report", "STORED", expect.stringMatching(/^owner-/)],
    ]);
  });

  it("waits at the safeguard until a decision is recorded, then applies it", async () => {
    const { own, ids } = await runToBeBlocked();
    try {
      // step.waitForEvent cannot be mocked in @inngest/test 1.0.0: the wait records the approval.
      const waited: unknown[] = [];
      const { error } = await engine((ctx) => {
        ctx.step.waitForEvent = (async (id: string) => {
          waited.push(id);
          await decideSafeguard(t.db, ids.syncRunId, "approve", null);
          return null;
        }) as typeof ctx.step.waitForEvent;
        return ctx;
      }).execute({ events: requested(ids) });
      expect(error).toBeUndefined();
      // The engine replays the function from the top on each step, so the wait is seen again.
      expect([...new Set(waited)]).toEqual(["safeguard-decision-4-0"]);
      const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: ids.syncRunId } });
      // Memberships: the 5 left Everyone and 3 of them Ops in Okta, as the listings showed.
      expect(countsOf(run)).toEqual(
        expectedCounts({ usersProcessed: 25, usersUnchanged: 25, usersDeleted: 5, membershipsRemoved: 8 }),
      );
      expect(run).toMatchObject({ decision: "APPROVED", pendingRemovals: 5 });
      const alerts = await t.db.email.findMany({ where: { syncRunId: run.id, template: "safeguard-alert" } });
      expect(alerts.map((e) => e.to).sort()).toEqual([
        expect.stringMatching(/^administrator-/),
        expect.stringMatching(/^owner-/),
      ]);
    } finally {
      await own.close();
    }
  });

  it("waits a week for a decision nobody makes, in the steps the model counts, then rejects", async () => {
    const { own, ids } = await runToBeBlocked();
    try {
      // Every wait times out (step.waitForEvent cannot be mocked in @inngest/test 1.0.0).
      const waited = new Set<string>();
      const { error, state } = await engine((ctx) => {
        ctx.step.waitForEvent = (async (id: string) => {
          waited.add(id);
          return null;
        }) as typeof ctx.step.waitForEvent;
        return ctx;
      }).execute({ events: requested(ids) });
      expect(error).toBeUndefined();
      expect(waited.size).toBe(SAFEGUARD_WAITS.length);
      const run = await t.db.syncRun.findUniqueOrThrow({ where: { id: ids.syncRunId } });
      expect(run).toMatchObject({
        status: "SUCCEEDED",
        decision: "REJECTED",
        decidedById: null,
        usersDeleted: 0,
      });
      // One page of each listing; rejected, so no removals.
      const syncSteps = estimateSyncSteps({ userPages: 1, groupPages: 1, memberPages: 1, removals: 0 });
      expect(Object.keys(state).length + waited.size).toBe(
        estimateRunSteps({ syncSteps, safeguardWaits: SAFEGUARD_WAITS.length, invitations: 0 }),
      );
    } finally {
      await own.close();
    }
  });

  it("fails without retries when the SyncRun is not the sync's", async () => {
    const queued = await queuedRun();
    const { error } = await engine().execute({ events: requested({ ...queued, syncRunId: "missing" }) });
    expect(error).toMatchObject({ name: "NonRetriableError" });
    expect(await t.db.syncRun.findUniqueOrThrow({ where: { id: queued.syncRunId } })).toMatchObject({
      status: "QUEUED",
    });
  });
});
