import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { MemberContext } from "./member";

const current: { member: MemberContext | null } = { member: null };
vi.mock("./member", () => ({ getMemberContext: async () => current.member }));
vi.mock("next/navigation", () => ({
  redirect: (to: string) => {
    throw new Error(`redirect:${to}`);
  },
  forbidden: () => {
    throw new Error("forbidden");
  },
}));

const { orgAction, orgRoute, requirePage, REFUSED, SIGNED_OUT } = await import("./guard");

const as = (role: MemberContext["role"]): MemberContext => ({
  userId: "u1",
  email: "x@acme.test",
  name: "X",
  organizationId: "org-a",
  organizationName: "Acme",
  role,
  memberships: [{ organizationId: "org-a", organizationName: "Acme", role }],
});

const form = (values: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(values)) data.set(k, v);
  return data;
};

describe("orgAction", () => {
  const run = vi.fn(async () => ({ ok: true, message: "done" }));
  const action = orgAction("user-sync:manage", z.object({ name: z.string().min(2, "Enter a name.") }), run, {
    secretFields: ["token"],
  });
  beforeEach(() => run.mockClear());

  it("refuses a signed-out caller before the body runs", async () => {
    current.member = null;
    expect(await action(undefined, form({ name: "ok" }))).toEqual(SIGNED_OUT);
    expect(run).not.toHaveBeenCalled();
  });

  it("refuses a Member before the body runs", async () => {
    current.member = as("MEMBER");
    expect(await action(undefined, form({ name: "ok" }))).toEqual(REFUSED);
    expect(run).not.toHaveBeenCalled();
  });

  it("puts validation errors on the field, keeps typed values and never echoes secrets", async () => {
    current.member = as("ADMINISTRATOR");
    const result = await action(undefined, form({ name: "x", token: "00secret" }));
    expect(result.ok).toBe(false);
    expect(result.fieldErrors).toEqual({ name: ["Enter a name."] });
    expect(result.values).toEqual({ name: "x" });
    expect(JSON.stringify(result)).not.toContain("00secret");
    expect(run).not.toHaveBeenCalled();
  });

  it("runs the body with the parsed input and the member's organization", async () => {
    current.member = as("OWNER");
    expect(await action(undefined, form({ name: "Okta" }))).toEqual({ ok: true, message: "done" });
    expect(run).toHaveBeenCalledWith(
      { name: "Okta" },
      expect.objectContaining({ organizationId: "org-a", role: "OWNER" }),
    );
  });
});

describe("orgRoute", () => {
  const handler = orgRoute("user-sync:read", async () => Response.json({ secret: true }));

  it("answers 401 without a session and 403 to a Member", async () => {
    current.member = null;
    expect((await handler(new Request("http://x/"), {})).status).toBe(401);
    current.member = as("MEMBER");
    const refused = await handler(new Request("http://x/"), {});
    expect(refused.status).toBe(403);
    expect(await refused.json()).not.toHaveProperty("secret");
  });

  it("lets an Administrator through", async () => {
    current.member = as("ADMINISTRATOR");
    expect(await (await handler(new Request("http://x/"), {})).json()).toEqual({ secret: true });
  });
});

describe("requirePage", () => {
  it("sends visitors to sign-in and Members to the 403 page", async () => {
    current.member = null;
    await expect(requirePage()).rejects.toThrow("redirect:/sign-in");
    current.member = as("MEMBER");
    await expect(requirePage("user-sync:read")).rejects.toThrow("forbidden");
    expect(await requirePage("users:read")).toMatchObject({ role: "MEMBER" });
  });
});
