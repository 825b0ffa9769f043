import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeLogUnavailableError } from "@/lib/directory/types";
import type { TestDb } from "@/test-support/db";
import { MAX_LOGGED_CHANGES } from "./changes";
import { decideSafeguard } from "./safeguard";
import { driveRun, HOUR, membershipMap, openTestDb, syncHarness } from "./testing/fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

const MINUTE = 60_000;

/** A synced org of five users in three groups (Everyone among them), its log on, an hour later. */
async function syncedWithLog(options: { logDelayMs?: number; safeguardPercent?: number } = {}) {
  const h = await syncHarness(t.db, {
    directory: { changeLog: true, logDelayMs: options.logDelayMs },
    settings: { safeguardPercent: options.safeguardPercent ?? 100 },
  });
  for (const id of ["u1", "u2", "u3", "u4", "u5"]) h.directory.putUser({ externalId: id });
  h.directory.putGroup({ externalId: "g1", name: "Engineering" });
  h.directory.putGroup({ externalId: "g2", name: "Sales" });
  h.directory.putGroup({ externalId: "all", name: "Everyone", type: "BUILT_IN" });
  h.directory.setMembers("g1", ["u1", "u2", "u3"]);
  h.directory.setMembers("g2", ["u4"]);
  h.directory.setMembers("all", ["u1", "u2", "u3", "u4", "u5"]);
  const first = await h.run();
  expect(first.run).toMatchObject({ mode: "FULL", status: "SUCCEEDED", fallback: null });
  h.clock.advance(HOUR);
  return h;
}

async function cursorOf(userSyncId: string) {
  return (await t.db.userSync.findUniqueOrThrow({ where: { id: userSyncId } })).logCursor;
}

describe("delta runs (the System Log)", () => {
  it("SYNC DATA after a full run reads what changed from the log and lists no group's members", async () => {
    const h = await syncedWithLog();
    h.directory.addMembers("g2", ["u1", "u5"]);
    h.directory.removeMembers("g1", ["u2"]);
    h.directory.putGroup({ externalId: "g3", name: "New" });
    h.directory.setMembers("g3", ["u3"]);
    h.directory.deleteGroup("g2");
    h.directory.putUser({ externalId: "u6" });
    h.directory.addMembers("g1", ["u6"]);
    h.directory.deleteUser("u4");
    h.directory.updateUser("u5", { lastName: "Renamed" });
    h.clock.advance(MINUTE);
    const members = h.directory.callCount("listGroupMembers");

    const { run } = await h.run();

    expect(run).toMatchObject({
      mode: "INCREMENTAL",
      status: "SUCCEEDED",
      fallback: null,
      usersCreated: 1,
      usersUpdated: 1,
      usersDeleted: 1,
      groupsCreated: 1,
      groupsDeleted: 1,
    });
    expect(run.logChanges).toBeGreaterThan(0);
    expect(h.directory.callCount("listGroupMembers")).toBe(members);
    expect(await membershipMap(t.db, h.sync.id)).toEqual({
      all: ["u1", "u2", "u3", "u5", "u6"],
      g1: ["u1", "u3", "u6"],
      g3: ["u3"],
    });
    expect(await cursorOf(h.sync.id)).toEqual(run.startedAt);
    // Its scratch goes with it.
    expect(await t.db.syncRunChange.count({ where: { syncRunId: run.id } })).toBe(0);
  });

  it("finds an event Okta published late on the next run, within the overlap", async () => {
    const h = await syncedWithLog({ logDelayMs: 2 * MINUTE });
    h.clock.advance(MINUTE);
    h.directory.addMembers("g2", ["u2"]);
    h.clock.advance(MINUTE / 2);
    // Not visible yet: published 30 s ago, shown after 2 minutes.
    const early = await h.run();
    expect(early.run).toMatchObject({ mode: "INCREMENTAL", fallback: null, membershipsAdded: 0 });

    h.clock.advance(10 * MINUTE);
    const later = await h.run();
    expect(later.run).toMatchObject({ mode: "INCREMENTAL", fallback: null, membershipsAdded: 1 });
    expect((await membershipMap(t.db, h.sync.id)).g2).toEqual(["u2", "u4"]);
  });

  it("applies a membership's latest change, and reading the overlap twice changes nothing", async () => {
    const h = await syncedWithLog();
    h.directory.addMembers("g2", ["u5"]);
    h.clock.advance(1000);
    h.directory.removeMembers("g2", ["u5"]);
    h.clock.advance(1000);
    h.directory.addMembers("g2", ["u5"]);
    h.clock.advance(1000);
    h.directory.removeMembers("g2", ["u4"]);
    h.clock.advance(MINUTE);
    const first = await h.run();
    expect(first.run).toMatchObject({ membershipsAdded: 1, membershipsRemoved: 1 });
    // The next run reads the same events again (they are within the overlap): no change.
    h.clock.advance(MINUTE);
    const again = await h.run();
    expect(again.run).toMatchObject({ membershipsAdded: 0, membershipsRemoved: 0, mode: "INCREMENTAL" });
    // All four were read again.
    expect(again.run.logChanges).toBe(4);
    expect((await membershipMap(t.db, h.sync.id)).g2).toEqual(["u5"]);
  });

  it("holds logged removals for the safeguard; rejected, they are proposed again by the next run", async () => {
    const h = await syncedWithLog({ safeguardPercent: 10 });
    h.directory.deleteUser("u1");
    h.directory.removeMembers("g1", ["u2", "u3"]);
    h.clock.advance(MINUTE);
    const blocked = await h.run();
    expect(blocked.run).toMatchObject({
      status: "BLOCKED",
      mode: "INCREMENTAL",
      pendingRemovals: 1,
      pendingMembershipRemovals: 2,
    });
    const cursor = await cursorOf(h.sync.id);
    await decideSafeguard(t.db, blocked.run.id, "reject", h.adminId);
    const rejected = await driveRun(
      h.deps,
      blocked.run.id,
      blocked.result.status === "blocked" ? blocked.result.state : { seq: 0 },
    );
    expect(rejected.run).toMatchObject({ status: "SUCCEEDED", decision: "REJECTED", usersDeleted: 0 });
    expect(await cursorOf(h.sync.id)).toEqual(cursor);
    expect((await membershipMap(t.db, h.sync.id)).g1).toEqual(["u1", "u2", "u3"]);

    h.clock.advance(MINUTE);
    const again = await h.run();
    expect(again.run).toMatchObject({ status: "BLOCKED", pendingRemovals: 1, pendingMembershipRemovals: 2 });
  });
});

describe("fallbacks, said on the run", () => {
  it("a token that may not read the log: SYNC DATA lists in full, a scheduled run re-lists groups", async () => {
    const h = await syncedWithLog();
    h.directory.logForbidden = true;
    h.directory.deleteUser("u4");
    h.directory.addMembers("g2", ["u5"]);
    h.clock.advance(MINUTE);

    const manual = await h.run();
    expect(manual.run).toMatchObject({
      mode: "FULL",
      status: "SUCCEEDED",
      usersDeleted: 1,
      membershipsAdded: 1,
    });
    expect(manual.run.fallback).toMatch(
      /did not let this API token read the System Log.*okta\.logs\.read.*listed every user and group/,
    );
    // A full run starts the log's range afresh.
    expect(await cursorOf(h.sync.id)).toEqual(manual.run.startedAt);

    h.clock.advance(HOUR);
    h.directory.removeMembers("g2", ["u5"]);
    h.clock.advance(MINUTE);
    const scheduled = await h.run({ trigger: "SCHEDULED" });
    expect(scheduled.run).toMatchObject({ mode: "INCREMENTAL", status: "SUCCEEDED", membershipsRemoved: 1 });
    expect(scheduled.run.fallback).toMatch(
      /did not let this API token.*re-listed the groups whose members changed/,
    );
    expect(await cursorOf(h.sync.id)).toBeNull();

    // The log readable again, but not read since the last full run: SYNC DATA runs full, and says why.
    h.directory.logForbidden = false;
    h.clock.advance(MINUTE);
    const next = await h.run();
    expect(next.run).toMatchObject({ mode: "FULL" });
    expect(next.run.fallback).toMatch(/not been read without a gap since the last full run/);
  });

  it("a cursor older than Okta's retention", async () => {
    const h = await syncedWithLog();
    await t.db.userSync.update({
      where: { id: h.sync.id },
      data: {
        fullSyncEveryHours: 24,
        lastFullSyncAt: h.clock.now(),
        logCursor: new Date(h.clock.now().getTime() - 95 * 24 * HOUR),
      },
    });
    h.clock.advance(MINUTE);
    const { run } = await h.run({ trigger: "SCHEDULED" });
    expect(run).toMatchObject({ mode: "INCREMENTAL", logChanges: 0 });
    expect(run.fallback).toMatch(/more than 90 days ago/);
    expect(h.directory.callCount("listChanges")).toBe(0);
  });

  it("a listing cut short, and more changes than listing costs", async () => {
    const h = await syncedWithLog();
    h.directory.failOn("listChanges", h.directory.callCount("listChanges") + 1, {
      error: new ChangeLogUnavailableError("cut-short", "Okta's listing ended at 10:02."),
    });
    h.directory.deleteUser("u5");
    h.clock.advance(MINUTE);
    const cut = await h.run();
    expect(cut.run).toMatchObject({ mode: "FULL", status: "SUCCEEDED", usersDeleted: 1 });
    expect(cut.run.fallback).toMatch(/ended before this run's start.*10:02.*listed every user/);
  });

  it("more changes since the last run than listing costs", async () => {
    const h = await syncedWithLog();
    const strangers = Array.from({ length: MAX_LOGGED_CHANGES + 1 }, (_, i) => `x${i}`);
    h.directory.addMembers("g2", strangers);
    h.clock.advance(MINUTE);
    const { run } = await h.run({ trigger: "SCHEDULED" });
    expect(run).toMatchObject({ mode: "INCREMENTAL", status: "SUCCEEDED" });
    expect(run.fallback).toMatch(/More than 100,000 changes since the last run.*re-listed the groups/);
    expect(await t.db.syncRunChange.count({ where: { syncRunId: run.id } })).toBe(0);
  }, 120_000);

  it("Full resync lists everything within the day, and the audit log says it was a Full resync", async () => {
    const h = await syncedWithLog();
    const { run } = await h.run({ forceFull: true });
    expect(run).toMatchObject({ mode: "FULL", fallback: null, usersProcessed: 5 });
    const started = await t.db.auditEvent.findFirstOrThrow({
      where: { targetId: run.id, action: "sync-run.started" },
    });
    expect(started.details).toEqual({ trigger: "MANUAL", forceFull: true });
  });

  it("a scheduled run after the full-sync interval is full, whatever the log", async () => {
    const h = await syncedWithLog();
    h.clock.advance(25 * HOUR);
    const { run } = await h.run({ trigger: "SCHEDULED" });
    expect(run).toMatchObject({ mode: "FULL", fallback: null });
  });
});
