import { describe, expect, it } from "vitest";
import { can } from "./permissions";

describe("can()", () => {
  it("lets Owners and Administrators manage and run user syncs", () => {
    for (const role of ["OWNER", "ADMINISTRATOR"] as const) {
      expect(can(role, "user-sync:read")).toBe(true);
      expect(can(role, "user-sync:manage")).toBe(true);
      expect(can(role, "sync-run:start")).toBe(true);
      expect(can(role, "sync-run:decide")).toBe(true);
    }
  });

  it("gives Members read access to Users and User Groups and nothing more", () => {
    expect(can("MEMBER", "users:read")).toBe(true);
    expect(can("MEMBER", "groups:read")).toBe(true);
    for (const p of [
      "user-sync:read",
      "user-sync:manage",
      "sync-run:start",
      "sync-run:decide",
      "mailbox:read",
      "audit:read",
    ] as const) {
      expect(can("MEMBER", p)).toBe(false);
    }
  });

  it("shows the audit log to Owners only", () => {
    expect(can("OWNER", "audit:read")).toBe(true);
    expect(can("ADMINISTRATOR", "audit:read")).toBe(false);
  });
});
