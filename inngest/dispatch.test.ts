import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { failUnstartedRuns, QUEUE_TIMEOUT_MS } from "@/lib/sync";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createQueuedSyncRun } from "@/test-support/sync-run";

// The events go to a stand-in for Inngest's event API that the tests make fail.
const send = vi.fn(async (_payload: unknown) => ({ ids: ["e"] }));
vi.mock("./client", () => ({ inngest: { send: (payload: unknown) => send(payload) } }));
const { requestSyncRun } = await import("./dispatch");

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());
beforeEach(() => send.mockClear());

/** A sync with no run, and the request SYNC DATA makes for it. */
async function idleSync() {
  const queued = await createQueuedSyncRun(t.db);
  await t.db.syncRun.delete({ where: { id: queued.syncRunId } });
  await t.db.userSync.update({ where: { id: queued.userSyncId }, data: { activeRunId: null } });
  const request = {
    organizationId: queued.organizationId,
    userSyncId: queued.userSyncId,
    trigger: "MANUAL" as const,
    startedById: null,
  };
  return { ...queued, request };
}

describe("requestSyncRun", () => {
  it("refuses a sync of another organization, starting and recording nothing", async () => {
    const { request, userSyncId } = await idleSync();
    const other = await t.db.organization.create({ data: { name: "Globex", slug: `globex-${userSyncId}` } });
    expect(await requestSyncRun(t.db, { ...request, organizationId: other.id })).toBe("not-found");
    expect(await t.db.syncRun.count({ where: { userSyncId } })).toBe(0);
    expect(await t.db.auditEvent.count({ where: { organizationId: other.id } })).toBe(0);
    expect(send).not.toHaveBeenCalled();
  });

  it("sends the run's event with the run's id, so a send Inngest retries or the SDK repeats is one event", async () => {
    const { request, userSyncId } = await idleSync();
    expect(await requestSyncRun(t.db, request)).toBe("started");
    const run = await t.db.syncRun.findFirstOrThrow({ where: { userSyncId } });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]?.[0]).toMatchObject({ id: run.id, name: "user-sync/run.requested" });
  });

  it("never fails a run whose send threw: Inngest may have accepted the event (a 502 after it did)", async () => {
    const { request, userSyncId } = await idleSync();
    send.mockRejectedValueOnce(new Error("Inngest API Error: 502 Bad Gateway"));
    expect(await requestSyncRun(t.db, request)).toBe("unconfirmed");
    const run = await t.db.syncRun.findFirstOrThrow({ where: { userSyncId } });
    expect(run).toMatchObject({ status: "QUEUED", error: null, finishedAt: null });
    expect(await t.db.email.count({ where: { syncRunId: run.id } })).toBe(0);
    // Still held: a second click starts nothing.
    expect(await requestSyncRun(t.db, request)).toBe("already-running");
  });

  it("fails a run no function picked up in time when the sync is asked again, then starts a new one", async () => {
    const { request, userSyncId } = await idleSync();
    send.mockRejectedValueOnce(new Error("fetch failed"));
    await requestSyncRun(t.db, request);
    const lost = await t.db.syncRun.findFirstOrThrow({ where: { userSyncId } });
    await t.db.syncRun.update({
      where: { id: lost.id },
      data: { queuedAt: new Date(Date.now() - QUEUE_TIMEOUT_MS - 1000) },
    });
    expect(await requestSyncRun(t.db, request)).toBe("started");
    const runs = await t.db.syncRun.findMany({ where: { userSyncId }, orderBy: { queuedAt: "asc" } });
    expect(runs.map((r) => r.status)).toEqual(["FAILED", "QUEUED"]);
    expect(runs[0]?.error).toMatch(
      /^The sync did not start: its background worker \(Inngest\) did not pick it up within 15 min/,
    );
  });
});

describe("failUnstartedRuns", () => {
  it("fails the QUEUED runs no function claimed within the timeout, and only those", async () => {
    const now = new Date();
    const old = new Date(now.getTime() - QUEUE_TIMEOUT_MS - 1000);
    const lost = await createQueuedSyncRun(t.db);
    const fresh = await createQueuedSyncRun(t.db);
    const claimed = await createQueuedSyncRun(t.db);
    await t.db.syncRun.update({ where: { id: lost.syncRunId }, data: { queuedAt: old } });
    await t.db.syncRun.update({
      where: { id: claimed.syncRunId },
      data: { queuedAt: old, status: "RUNNING", inngestRunId: "01RUN" },
    });

    const failed = await failUnstartedRuns(t.db, now);
    expect(failed).toContain(lost.syncRunId);
    expect(failed).not.toContain(fresh.syncRunId);
    expect(failed).not.toContain(claimed.syncRunId);
    const statuses = await t.db.syncRun.findMany({
      where: { id: { in: [lost.syncRunId, fresh.syncRunId, claimed.syncRunId] } },
    });
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [lost.syncRunId]: "FAILED",
      [fresh.syncRunId]: "QUEUED",
      [claimed.syncRunId]: "RUNNING",
    });
    const sync = await t.db.userSync.findUniqueOrThrow({ where: { id: lost.userSyncId } });
    expect(sync.activeRunId).toBeNull();
  });
});
