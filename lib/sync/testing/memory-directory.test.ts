import { describe, expect, it } from "vitest";
import { TestClock } from "./fixtures";
import { MemoryDirectory } from "./memory-directory";

async function allUsers(directory: MemoryDirectory, updatedSince?: Date) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await directory.listUsers(cursor, { updatedSince });
    ids.push(...page.items.map((p) => p.externalId));
    cursor = page.next;
  } while (cursor);
  return ids;
}

describe("MemoryDirectory", () => {
  it("pages users in id order with opaque cursors, and the last page has no next", async () => {
    const directory = new MemoryDirectory({ pageSize: 2 });
    for (const id of ["u3", "u1", "u5", "u2", "u4"]) directory.putUser({ externalId: id });
    const first = await directory.listUsers(null);
    expect(first.items.map((p) => p.externalId)).toEqual(["u1", "u2"]);
    expect(first.next).not.toContain("u2");
    expect(await allUsers(directory)).toEqual(["u1", "u2", "u3", "u4", "u5"]);
    expect(directory.callCount("listUsers")).toBe(4);
    await expect(directory.listUsers("bogus")).rejects.toThrow("Invalid cursor");
  });

  it("lists only what changed after updatedSince, deactivated users included", async () => {
    const clock = new TestClock();
    const directory = new MemoryDirectory({ now: clock.now });
    directory.putUser({ externalId: "u1" });
    directory.putUser({ externalId: "u2" });
    const since = clock.now();
    clock.advance(1000);
    directory.updateUser("u2", { status: "DEPROVISIONED" });
    directory.putUser({ externalId: "u3" });
    expect(await allUsers(directory, since)).toEqual(["u2", "u3"]);
    const [u2] = (await directory.listUsers(null, { updatedSince: since })).items;
    expect(u2).toMatchObject({
      status: "DEPROVISIONED",
      email: "u2@acme.test",
      profile: { login: "u2@acme.test" },
    });
  });

  it("lists groups whose profile or membership changed, and pages members", async () => {
    const clock = new TestClock();
    const directory = new MemoryDirectory({ now: clock.now, memberPageSize: 2 });
    directory.putGroup({ externalId: "g1" });
    directory.putGroup({ externalId: "g2" });
    const since = clock.now();
    clock.advance(1000);
    directory.setMembers("g2", ["u1", "u2", "u3"]);
    const changed = await directory.listGroups(null, { updatedSince: since });
    expect(changed.items.map((g) => g.externalId)).toEqual(["g2"]);
    const page = await directory.listGroupMembers("g2", null);
    expect(page.items).toEqual(["u1", "u2"]);
    expect((await directory.listGroupMembers("g2", page.next)).items).toEqual(["u3"]);
    directory.deleteUser("u2");
    expect((await directory.listGroupMembers("g2", null)).items).toEqual(["u1", "u3"]);
  });

  it("fails the chosen calls", async () => {
    const directory = new MemoryDirectory();
    directory.putUser({ externalId: "u1" });
    directory.failOn("listUsers", 2, { times: 2 });
    await directory.listUsers(null);
    await expect(directory.listUsers(null)).rejects.toThrow("Directory unavailable (listUsers call 2)");
    await expect(directory.listUsers(null)).rejects.toThrow();
    expect((await directory.listUsers(null)).items).toHaveLength(1);
  });
});
