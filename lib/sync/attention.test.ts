import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import type { TestDb } from "@/test-support/db";
import { advanceSync } from "./engine";
import { decideSafeguard } from "./safeguard";
import { driveRun, HOUR, openTestDb, startRun, syncHarness, userOfAnotherSync } from "./testing/fixtures";
import type { SyncDeps } from "./types";

const MINUTE = 60_000;

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

/** The sync's Needs attention entries, by Okta id: what they say and which runs saw them. */
async function entriesOf(userSyncId: string) {
  const rows = await t.db.syncAttention.findMany({ where: { userSyncId }, orderBy: { externalId: "asc" } });
  return Object.fromEntries(
    rows.map((row) => [
      row.externalId,
      {
        code: row.code,
        reason: row.reason,
        userKey: row.userKey,
        collidesWith: [row.collidesWithExternalId, row.collidesWithUserId],
        seen: [row.firstSeenRunId, row.lastSeenRunId],
      },
    ]),
  );
}

async function userIdOf(userSyncId: string, externalId: string): Promise<string> {
  const user = await t.db.directoryUser.findFirstOrThrow({ where: { userSyncId, externalId } });
  return user.id;
}

describe("Needs attention", () => {
  it("records every refused user with its code and collision, keeps the first run and moves the last, and clears a user once imported", async () => {
    const h = await syncHarness(t.db, { directory: { pageSize: 3 } });
    const taken = await userOfAnotherSync(t.db, h.sync.organizationId, "taken@acme.test");
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "u2", email: null, username: "no-email", displayName: "Nora Noemail" });
    h.directory.putUser({ externalId: "u3", email: "not an email" });
    // Three Okta users with one email: the first listed keeps it.
    h.directory.putUser({ externalId: "u5", email: "twin@acme.test" });
    h.directory.putUser({ externalId: "u6", email: "Twin@acme.test" });
    h.directory.putUser({ externalId: "u7", email: "TWIN@acme.test" });
    h.directory.putUser({ externalId: "u8", email: "Taken@acme.test" });
    const first = (await h.run()).run;

    expect(first.status).toBe("PARTIAL");
    const seenFirst = [first.id, first.id];
    expect(await entriesOf(h.sync.id)).toEqual({
      u2: {
        code: "NO_UNIQUE_VALUE",
        reason: "No email, the sync's unique field",
        userKey: null,
        collidesWith: [null, null],
        seen: seenFirst,
      },
      u3: {
        code: "INVALID_DATA",
        reason: "The email is not a valid address",
        userKey: "not an email",
        collidesWith: [null, null],
        seen: seenFirst,
      },
      // u5 was created in the same step: it had no user yet.
      u6: {
        code: "DUPLICATE",
        reason: "Another directory user (u5) has the same email",
        userKey: "twin@acme.test",
        collidesWith: ["u5", null],
        seen: seenFirst,
      },
      u7: {
        code: "DUPLICATE",
        reason: "Another directory user (u5) has the same email",
        userKey: "twin@acme.test",
        collidesWith: ["u5", null],
        seen: seenFirst,
      },
      u8: {
        code: "HELD_BY_OTHER_SOURCE",
        reason: "The email is already owned by another source",
        userKey: "taken@acme.test",
        collidesWith: [null, taken.id],
        seen: seenFirst,
      },
    });
    const u2 = await t.db.syncAttention.findFirstOrThrow({
      where: { externalId: "u2", userSyncId: h.sync.id },
    });
    expect(u2).toMatchObject({
      name: "Nora Noemail",
      email: null,
      username: "no-email",
      firstSeenAt: first.startedAt,
      lastSeenAt: first.startedAt,
    });

    // u2 gets an email in Okta, u7 one of its own; the others are as they were.
    h.clock.advance(HOUR);
    h.directory.updateUser("u2", { email: "nora@acme.test" });
    h.directory.updateUser("u7", { email: "u7@acme.test" });
    const second = (await h.run({ forceFull: true })).run;

    const u5 = await userIdOf(h.sync.id, "u5");
    const entries = await entriesOf(h.sync.id);
    expect(Object.keys(entries)).toEqual(["u3", "u6", "u8"]);
    expect(entries.u6).toMatchObject({ collidesWith: ["u5", u5], seen: [first.id, second.id] });
    expect(entries.u3?.seen).toEqual([first.id, second.id]);
    const u6 = await t.db.syncAttention.findFirstOrThrow({
      where: { externalId: "u6", userSyncId: h.sync.id },
    });
    expect(u6).toMatchObject({ firstSeenAt: first.startedAt, lastSeenAt: second.startedAt });
    expect(await userIdOf(h.sync.id, "u2")).toBeTruthy();
    expect(await userIdOf(h.sync.id, "u7")).toBeTruthy();
  });

  it("clears a user whose earlier version was imported once the fix makes it match again, unchanged", async () => {
    const h = await syncHarness(t.db);
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "u2" });
    await h.run();

    // u2 takes u1's email in Okta: refused, its user stays as it was.
    h.clock.advance(HOUR);
    h.directory.updateUser("u2", { email: "u1@acme.test" });
    const refused = (await h.run({ forceFull: true })).run;
    expect(await entriesOf(h.sync.id)).toEqual({
      u2: {
        code: "DUPLICATE",
        reason: "Another directory user (u1) has the same email",
        userKey: "u1@acme.test",
        collidesWith: ["u1", await userIdOf(h.sync.id, "u1")],
        seen: [refused.id, refused.id],
      },
    });

    // Reverted in Okta: the user matches its stored version, nothing to write, and is imported.
    h.clock.advance(HOUR);
    h.directory.updateUser("u2", { email: "u2@acme.test" });
    const reverted = (await h.run({ forceFull: true })).run;
    expect(reverted).toMatchObject({ status: "SUCCEEDED", usersUpdated: 0, usersUnchanged: 2 });
    expect(await entriesOf(h.sync.id)).toEqual({});
  });

  it("a full run clears the users deleted or deactivated in Okta; a run that fails or is rejected at the safeguard does not", async () => {
    const h = await syncHarness(t.db, { settings: { safeguardPercent: 20 } });
    for (let i = 1; i <= 4; i++) h.directory.putUser({ externalId: `u${i}` });
    h.directory.putUser({ externalId: "x1", email: null });
    h.directory.putUser({ externalId: "x2", email: null });
    h.directory.putUser({ externalId: "x3", email: null });
    const first = (await h.run()).run;
    expect(Object.keys(await entriesOf(h.sync.id))).toEqual(["x1", "x2", "x3"]);

    // A run that fails before its listing completes learns nothing about who is gone.
    h.clock.advance(HOUR);
    h.directory.deleteUser("x1");
    h.directory.failOn("listGroups", h.directory.callCount("listGroups") + 1);
    const failed = (await h.run({ forceFull: true })).run;
    expect(failed.status).toBe("FAILED");
    expect(Object.keys(await entriesOf(h.sync.id))).toEqual(["x1", "x2", "x3"]);

    // Deleted and deactivated in Okta: the listing shows x1 no more, x2 deactivated.
    h.directory.updateUser("x2", { status: "DEPROVISIONED" });
    const cleared = (await h.run({ forceFull: true })).run;
    expect(cleared.status).toBe("PARTIAL");
    expect(await entriesOf(h.sync.id)).toEqual({
      x3: expect.objectContaining({ seen: [first.id, cleared.id] }),
    });

    // A listing that suddenly misses most users: rejected at the safeguard, x3 stays listed here.
    h.clock.advance(HOUR);
    for (const id of ["u1", "u2", "u3", "x3"]) h.directory.deleteUser(id);
    const blocked = await h.run({ forceFull: true });
    expect(blocked.result.status).toBe("blocked");
    expect(await decideSafeguard(t.db, blocked.run.id, "reject", h.adminId)).toBe(true);
    const state = blocked.result.status === "blocked" ? blocked.result.state : { seq: -1 };
    const rejected = await driveRun(h.deps, blocked.run.id, state);
    expect(rejected.run.decision).toBe("REJECTED");
    expect(Object.keys(await entriesOf(h.sync.id))).toEqual(["x3"]);
  });

  it("delta runs: a fixed user is imported and cleared, a deleted or deactivated one cleared; one that did not change in Okta keeps its entry until a full run", async () => {
    const h = await syncHarness(t.db, { directory: { changeLog: true } });
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "u5", email: "twin@acme.test" });
    h.directory.putUser({ externalId: "u6", email: "twin@acme.test" });
    for (const id of ["x1", "x2", "x3", "x4"]) h.directory.putUser({ externalId: id, email: null });
    // Later than the incremental listing's overlap, so the delta runs list only what changes.
    h.clock.advance(HOUR);
    const first = (await h.run()).run;
    expect(first.mode).toBe("FULL");
    expect(Object.keys(await entriesOf(h.sync.id))).toEqual(["u6", "x1", "x2", "x3", "x4"]);

    // In Okta: x1 gets an email, x2 is deleted, x3 deactivated; the duplicate is fixed on the user
    // that holds the email, u5, which leaves u6 unchanged.
    h.clock.advance(HOUR);
    h.directory.updateUser("x1", { email: "x1@acme.test" });
    h.directory.deleteUser("x2");
    h.directory.updateUser("x3", { status: "DEPROVISIONED" });
    h.directory.updateUser("u5", { email: "u5@acme.test" });
    // The log reads up to the run's start, exclusive.
    h.clock.advance(MINUTE);
    const delta = (await h.run()).run;
    expect(delta).toMatchObject({ mode: "INCREMENTAL", fallback: null, usersCreated: 1, usersUpdated: 1 });

    // u6 was not listed: not imported, still there, last seen by the first run; x4 likewise.
    const entries = await entriesOf(h.sync.id);
    expect(Object.keys(entries)).toEqual(["u6", "x4"]);
    expect(entries.u6?.seen).toEqual([first.id, first.id]);

    // A refused user that changes in Okta but is still refused: seen again by the delta run.
    h.clock.advance(HOUR);
    h.directory.updateUser("x4", { lastName: "Still no email" });
    const again = (await h.run()).run;
    expect(again.mode).toBe("INCREMENTAL");
    expect((await entriesOf(h.sync.id)).x4?.seen).toEqual([first.id, again.id]);

    // Full resync lists u6: nothing holds its email any more, it is imported.
    h.clock.advance(HOUR);
    const full = (await h.run({ forceFull: true })).run;
    expect(full.mode).toBe("FULL");
    expect(Object.keys(await entriesOf(h.sync.id))).toEqual(["x4"]);
    expect(await userIdOf(h.sync.id, "u6")).toBeTruthy();
  });

  it("a USERS step whose transaction does not commit leaves the entries as they were; its retry records them once", async () => {
    const h = await syncHarness(t.db);
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "x1", email: null });
    await h.run();
    const before = await t.db.syncAttention.findMany({ where: { userSyncId: h.sync.id } });

    h.clock.advance(HOUR);
    h.directory.updateUser("x1", { email: "x1@acme.test" });
    h.directory.putUser({ externalId: "x2", email: null });
    const runId = await startRun(t.db, h.sync, { forceFull: true });
    let result = await advanceSync(h.deps, runId, { seq: 0 });
    while (result.status === "running" && result.state.phase !== "USERS") {
      result = await advanceSync(h.deps, runId, result.state);
    }
    if (result.status !== "running") throw new Error("the run ended before USERS");
    const usersStep = result.state;

    // The step's writes are done, then the commit is lost.
    const lost: SyncDeps = { ...h.deps, db: failingCommits(t.db) };
    await expect(advanceSync(lost, runId, usersStep)).rejects.toThrow("connection lost at commit");
    expect(await t.db.syncAttention.findMany({ where: { userSyncId: h.sync.id } })).toEqual(before);

    // Retried, it applies once; a second attempt of the same step finds it applied.
    const retried = await advanceSync(h.deps, runId, usersStep);
    expect(await advanceSync(h.deps, runId, usersStep)).toEqual(retried);
    const { run } = await driveRun(h.deps, runId, retried.status === "running" ? retried.state : usersStep);
    expect(run.status).toBe("PARTIAL");
    expect(await entriesOf(h.sync.id)).toEqual({
      x2: expect.objectContaining({ code: "NO_UNIQUE_VALUE", seen: [runId, runId] }),
    });
  });

  it("keeps hostile directory text as text: a NUL is replaced, a huge name shortened, markup stored as is", async () => {
    const h = await syncHarness(t.db);
    const markup = `<img src=x onerror="alert(1)">`;
    h.directory.putUser({
      externalId: "u1",
      email: "nul\u0000@acme.test",
      displayName: `Nul\u0000 ${markup}`,
    });
    h.directory.putUser({ externalId: "u2", displayName: `😀${"x".repeat(5000)}`, email: "bad" });
    const { run } = await h.run();

    expect(run.error).toBeNull();
    expect(run.status).toBe("PARTIAL");
    const [nul, long] = await t.db.syncAttention.findMany({
      where: { userSyncId: h.sync.id },
      orderBy: { externalId: "asc" },
    });
    expect(nul).toMatchObject({
      code: "INVALID_DATA",
      reason: "The data contains a NUL character",
      userKey: "nul\uFFFD@acme.test",
      email: "nul\uFFFD@acme.test",
      name: `Nul\uFFFD ${markup}`,
    });
    expect(long?.name).toHaveLength(301);
    expect(long?.name.startsWith("😀x")).toBe(true);
    const item = await t.db.syncRunItem.findFirstOrThrow({ where: { syncRunId: run.id, externalId: "u1" } });
    expect(item.userKey).toBe("nul\uFFFD@acme.test");
  });

  it("a preview neither records nor clears an entry; the run after it does", async () => {
    const h = await syncHarness(t.db);
    h.directory.putUser({ externalId: "u1" });
    h.directory.putUser({ externalId: "x1", email: null });
    h.directory.putUser({ externalId: "x2", email: null });
    await h.run();
    const before = await t.db.syncAttention.findMany({ where: { userSyncId: h.sync.id } });
    expect(before).toHaveLength(2);

    h.clock.advance(HOUR);
    h.directory.updateUser("x1", { email: "x1@acme.test" });
    h.directory.deleteUser("x2");
    h.directory.putUser({ externalId: "x3", email: null });
    const preview = (await h.run({ preview: true })).run;
    expect(preview).toMatchObject({ preview: true, usersCreated: 1, usersFailed: 1 });
    expect(await t.db.syncAttention.findMany({ where: { userSyncId: h.sync.id } })).toEqual(before);

    const real = (await h.run({ forceFull: true })).run;
    expect(await entriesOf(h.sync.id)).toEqual({
      x3: expect.objectContaining({ code: "NO_UNIQUE_VALUE", seen: [real.id, real.id] }),
    });
  });

  it("goes with its sync", async () => {
    const h = await syncHarness(t.db);
    h.directory.putUser({ externalId: "x1", email: null });
    await h.run();
    expect(await t.db.syncAttention.count({ where: { userSyncId: h.sync.id } })).toBe(1);
    await t.db.userSync.delete({ where: { id: h.sync.id } });
    expect(await t.db.syncAttention.count({ where: { userSyncId: h.sync.id } })).toBe(0);
  });
});

/** The database, except that every transaction does its work and then fails to commit. */
function failingCommits(db: Db): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== "$transaction") return Reflect.get(target, property, receiver);
      return (work: (tx: unknown) => Promise<unknown>, options?: object) =>
        target.$transaction(async (tx) => {
          await work(tx);
          throw new Error("connection lost at commit");
        }, options);
    },
  });
}
