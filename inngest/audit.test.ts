import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AUDIT_ACTIONS, listAuditEvents } from "@/lib/audit";
import type { MemberContext } from "@/lib/auth/member";
import { decideSafeguard } from "@/lib/sync";
import { markRunStarted } from "@/lib/sync/run";
import { userSyncInput } from "@/lib/user-sync/form";
import { createUserSync, deleteUserSync, updateUserSync } from "@/lib/user-sync/service";
import { createTestDb, type TestDb } from "@/test-support/db";
import { createAdministrator } from "@/test-support/members";

// The events would go to Inngest: here they go nowhere.
vi.mock("./client", () => ({ inngest: { send: vi.fn(async () => ({ ids: ["e"] })) } }));
const { cancelSyncRun, decideSyncRun, requestSyncRun } = await import("./dispatch");

let t: TestDb;
let admin: MemberContext;
let elsewhere: string;

beforeAll(async () => {
  vi.stubEnv("TOKEN_ENCRYPTION_KEYS", `test:${Buffer.alloc(32, 5).toString("base64")}`);
  t = await createTestDb();
  admin = await createAdministrator(t.db, { slug: "acme", organizationName: "Acme", name: "Adam Admin" });
  elsewhere = (await t.db.organization.create({ data: { name: "Globex", slug: "globex" } })).id;
});
afterAll(() => t.close());

const form = (name: string) =>
  userSyncInput.parse({
    name,
    domain: "acme.okta.com",
    token: "00secret-token-abcd",
    enrollmentType: "ONLY_SYNC",
    uniqueField: "EMAIL",
  });

async function blockedRun(userSyncId: string) {
  return t.db.syncRun.create({
    data: { organizationId: admin.organizationId, userSyncId, trigger: "MANUAL", status: "BLOCKED" },
  });
}

describe("the audit log", () => {
  it("records every admin change and every sync started, cancelled, approved or rejected, by whom", async () => {
    const created = await createUserSync(t.db, admin, form("Okta"));
    if (!created.ok) throw new Error("not created");
    const syncId = created.id;
    await updateUserSync(t.db, admin, syncId, form("Okta production"));

    expect(
      await requestSyncRun(t.db, {
        organizationId: admin.organizationId,
        userSyncId: syncId,
        trigger: "MANUAL",
        startedById: admin.userId,
      }),
    ).toBe("started");
    const manual = await t.db.syncRun.findFirstOrThrow({ where: { userSyncId: syncId } });
    expect(await cancelSyncRun(t.db, admin, manual.id)).toBe("cancelled");

    // Replaying a run's event from the Inngest dashboard starts a REPLAY run: no member did it.
    const replay = await markRunStarted(t.db, {
      syncRunId: manual.id,
      userSyncId: syncId,
      organizationId: admin.organizationId,
      inngestRunId: "replayed",
    });
    expect(replay.replay).toBe(true);

    expect(await decideSyncRun(t.db, admin, (await blockedRun(syncId)).id, "approve")).toBe(true);
    expect(await decideSyncRun(t.db, admin, (await blockedRun(syncId)).id, "reject")).toBe(true);
    // Nobody answered within the week: the run is rejected by the system.
    expect(await decideSafeguard(t.db, (await blockedRun(syncId)).id, "reject", null)).toBe(true);

    const other = await createUserSync(t.db, admin, form("To delete"));
    expect(await deleteUserSync(t.db, admin, other.ok ? other.id : "")).toBe(true);

    const events = await t.db.auditEvent.findMany();
    expect(new Set(events.map((e) => e.action))).toEqual(new Set(Object.keys(AUDIT_ACTIONS)));
    const byWhom = events.map((e) => [e.action, e.actorId === null ? "system" : "admin"]);
    expect(byWhom.sort()).toEqual(
      [
        ["user-sync.created", "admin"],
        ["user-sync.updated", "admin"],
        ["sync-run.started", "admin"],
        ["sync-run.cancelled", "admin"],
        ["sync-run.started", "system"],
        ["sync-run.approved", "admin"],
        ["sync-run.rejected", "admin"],
        ["sync-run.rejected", "system"],
        ["user-sync.created", "admin"],
        ["user-sync.deleted", "admin"],
      ].sort(),
    );
    expect(JSON.stringify(events)).not.toContain("00secret-token");
  });

  it("records nothing for what was refused or did not happen", async () => {
    const before = await t.db.auditEvent.count();
    const foreign = { ...admin, organizationId: elsewhere };
    const sync = await t.db.userSync.findFirstOrThrow({ where: { organizationId: admin.organizationId } });
    const run = await blockedRun(sync.id);
    expect(await deleteUserSync(t.db, foreign, sync.id)).toBe(false);
    expect(await updateUserSync(t.db, foreign, sync.id, form("Mine now"))).toBeNull();
    expect(await cancelSyncRun(t.db, foreign, run.id)).toBe("not-active");
    expect(await decideSyncRun(t.db, foreign, run.id, "approve")).toBe(false);
    expect(await decideSyncRun(t.db, admin, run.id, "approve")).toBe(true);
    expect(await decideSyncRun(t.db, admin, run.id, "reject")).toBe(false); // decided already
    expect(await t.db.auditEvent.count()).toBe(before + 1);
  });

  it("lists an organization's events newest first, a page at a time, naming each target as it is now", async () => {
    const first = await listAuditEvents(t.db, admin.organizationId, {}, 4);
    expect(first.items[0]?.label).toBe("Approved a sync run's removals");
    expect(first.items[0]?.target.label).toBe("Run of Okta production");
    expect(first.items[0]?.actor).toEqual({ name: "Adam Admin", email: "admin@acme.test" });
    const all = [...first.items];
    for (let page = first; page.next; ) {
      page = await listAuditEvents(t.db, admin.organizationId, { after: page.next }, 4);
      all.push(...page.items);
    }
    expect(all).toHaveLength(11);
    expect(new Set(all.map((e) => e.id)).size).toBe(11);
    const times = all.map((e) => e.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const deleted = all.find((e) => e.action === "user-sync.deleted");
    expect(deleted?.target).toEqual({ label: "To delete (deleted)", href: null });
    const edited = all.find((e) => e.action === "user-sync.updated");
    expect(edited?.target).toEqual({
      label: "Okta production",
      href: expect.stringMatching(/^\/user-management\/user-sync\/\w+$/),
    });
    expect((await listAuditEvents(t.db, elsewhere, {})).items).toEqual([]);
  });
});
