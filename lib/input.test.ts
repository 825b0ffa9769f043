import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toDirectoryGroup, toDirectoryPerson } from "@/lib/okta/schemas";
import { userSyncInput } from "@/lib/user-sync/form";
import { isDecodablePath, withoutInvisibleControls } from "./input";

const CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff";

describe("names without invisible controls", () => {
  it("drops bidi overrides, embeddings, isolates, marks and zero-width separators, and nothing else", () => {
    expect(withoutInvisibleControls("\u202egnp.exe\u200b")).toBe("gnp.exe");
    expect(withoutInvisibleControls(`A${CONTROLS}da`)).toBe("Ada");
    // Persian and emoji need ZWNJ and ZWJ; right-to-left letters are text, not controls.
    for (const kept of ["علی\u200cرضا", "👩\u200d💻", "שלום", "Zoë"])
      expect(withoutInvisibleControls(kept)).toBe(kept);
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const clean = withoutInvisibleControls(text);
        expect([...clean].some((c) => CONTROLS.includes(c))).toBe(false);
        expect(withoutInvisibleControls(clean)).toBe(clean);
      }),
    );
  });

  it("are what a user sync form saves", () => {
    const parsed = userSyncInput.safeParse({
      name: "\u202eatkO\u200b production\u2066",
      domain: "acme.okta.com",
      token: "",
      enrollmentType: "ONLY_SYNC",
      uniqueField: "EMAIL",
    });
    expect(parsed.success && parsed.data.name).toBe("atkO production");
    // Nothing left but controls: as empty as a blank name.
    expect(userSyncInput.shape.name.safeParse("\u202e\u200b").success).toBe(false);
  });

  it("are what a sync stores from Okta: names and groups; the profile keeps Okta's text", () => {
    const profile = {
      login: "m@x.test",
      email: "m@x.test",
      firstName: "\u202eecilA",
      lastName: "Sm\u200bith",
      title: "\u202egnp.exe",
    };
    const person = toDirectoryPerson({ id: "00u1", status: "ACTIVE", profile });
    expect(person).toMatchObject({ firstName: "ecilA", lastName: "Smith", profile });
    const group = toDirectoryGroup({
      id: "00g1",
      profile: { name: "\u202eBidi\u200b group", description: "\u2066x\u2069" },
    });
    expect(group).toMatchObject({ name: "Bidi group", description: "x" });
  });
});

describe("isDecodablePath", () => {
  it("refuses a malformed percent-escape, accepts the rest", () => {
    for (const path of ["/user-management/users/%E0%A4%A", "/x/%", "/x/%zz", "/x/%C0%AF"])
      expect(isDecodablePath(path)).toBe(false);
    for (const path of ["/user-management/users/abc", "/x/%E0%A4%A8", "/x/%20y"])
      expect(isDecodablePath(path)).toBe(true);
  });
});
