import { describe, expect, it } from "vitest";
import type { DirectoryPerson } from "@/lib/directory/types";
import { type Match, matchPeople, type UserRow } from "./match";

const SYNC = { id: "sync-a", uniqueField: "EMAIL" as const };

function person(externalId: string, fields: Partial<DirectoryPerson> = {}): DirectoryPerson {
  const email = fields.email === undefined ? `${externalId}@acme.test` : fields.email;
  return {
    externalId,
    status: "ACTIVE",
    username: email,
    email,
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: null,
    profile: {},
    createdAt: null,
    updatedAt: null,
    ...fields,
  };
}

function row(id: string, fields: Partial<UserRow> = {}): UserRow {
  const email = fields.email === undefined ? `${id}@acme.test` : fields.email;
  return {
    id,
    userSyncId: SYNC.id,
    externalId: id,
    email,
    emailKey: email?.toLowerCase() ?? null,
    username: email,
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: null,
    status: "ACTIVE",
    emailVerified: false,
    profile: {},
    contentHash: null,
    ...fields,
  };
}

/** Each match as [externalId, kind, row id or reason]. */
function summary(matches: Match[]) {
  return matches.map((m) => {
    if (m.kind === "error") return [m.person.externalId, m.kind, m.reason];
    if (m.kind === "create") return [m.person.externalId, m.kind, m.key];
    return [m.person.externalId, m.kind, m.row?.id ?? null];
  });
}

describe("matchPeople", () => {
  it("matches by external id first, so a changed email updates the same user", () => {
    const matches = matchPeople([person("u1", { email: "new@acme.test" })], [row("u1")], SYNC);
    expect(summary(matches)).toEqual([["u1", "update", "u1"]]);
  });

  it("matches the email case-insensitively and adopts a user of no source", () => {
    const manual = row("r1", { userSyncId: null, externalId: null, email: "Ada@Acme.test" });
    const matches = matchPeople([person("u1", { email: "ADA@acme.TEST" })], [manual], SYNC);
    expect(summary(matches)).toEqual([["u1", "update", "r1"]]);
  });

  it("creates people that match no one", () => {
    expect(summary(matchPeople([person("u1", { email: "Ada@acme.test" })], [], SYNC))).toEqual([
      ["u1", "create", "ada@acme.test"],
    ]);
  });

  it("refuses a key owned by another sync", () => {
    const other = row("r1", { userSyncId: "sync-b", externalId: "x9" });
    expect(summary(matchPeople([person("u1", { email: "r1@acme.test" })], [other], SYNC))).toEqual([
      ["u1", "error", "The email is already owned by another source"],
    ]);
  });

  it("refuses a new key held by another user of the organization when the person already has a user", () => {
    const manual = row("r2", { userSyncId: null, externalId: null });
    const matches = matchPeople([person("u1", { email: "r2@acme.test" })], [row("u1"), manual], SYNC);
    expect(summary(matches)).toEqual([
      ["u1", "error", "The email is already used by another user of the organization"],
    ]);
  });

  it("keeps a duplicated key with the directory user that already holds it, else the first listed", () => {
    const matches = matchPeople(
      [
        person("u2", { email: "u1@acme.test" }),
        person("u1"),
        person("u3", { email: "x@acme.test" }),
        person("u4", { email: "X@acme.test" }),
      ],
      [row("u1")],
      SYNC,
    );
    expect(summary(matches)).toEqual([
      ["u2", "error", "Another directory user (u1) has the same email"],
      ["u1", "update", "u1"],
      ["u3", "create", "x@acme.test"],
      ["u4", "error", "Another directory user (u3) has the same email"],
    ]);
  });

  it("refuses a key held by a user of the sync listed elsewhere (a duplicate across pages)", () => {
    expect(summary(matchPeople([person("u2", { email: "u1@acme.test" })], [row("u1")], SYNC))).toEqual([
      ["u2", "error", "Another directory user (u1) has the same email"],
    ]);
  });

  it("lets two users of one page swap their emails", () => {
    const matches = matchPeople(
      [person("u1", { email: "u2@acme.test" }), person("u2", { email: "u1@acme.test" })],
      [row("u1"), row("u2")],
      SYNC,
    );
    expect(summary(matches)).toEqual([
      ["u1", "update", "u1"],
      ["u2", "update", "u2"],
    ]);
  });

  it("refuses a claim on a key that a refused user keeps", () => {
    // u1 moves to a@ but a@ is taken by another source, so u1 keeps u1@, which u2 wanted.
    const other = row("r9", { userSyncId: "sync-b", email: "a@acme.test" });
    const matches = matchPeople(
      [person("u1", { email: "a@acme.test" }), person("u2", { email: "u1@acme.test" })],
      [row("u1"), row("u2"), other],
      SYNC,
    );
    expect(summary(matches)).toEqual([
      ["u1", "error", "The email is already owned by another source"],
      ["u2", "error", "Another directory user (u1) has the same email"],
    ]);
  });

  it("says what fixes each refusal: its code, and the user its value collides with", () => {
    const other = row("r1", { userSyncId: "sync-b", externalId: "x9", email: "taken@acme.test" });
    const manual = row("r2", { userSyncId: null, externalId: null, email: "manual@acme.test" });
    const matches = matchPeople(
      [
        person("u1", { email: null }),
        person("u2", { email: "not-an-email" }),
        person("u3", { email: "taken@acme.test" }),
        person("u4", { email: "manual@acme.test" }),
        person("u5", { email: "twin@acme.test" }),
        person("u6", { email: "twin@acme.test" }),
        person("u7", { email: "u8@acme.test" }),
      ],
      [row("u4"), row("u8"), other, manual],
      SYNC,
    );
    expect(
      matches.map((m) => (m.kind === "error" ? [m.person.externalId, m.code, m.collidesWith] : m.kind)),
    ).toEqual([
      ["u1", "NO_UNIQUE_VALUE", null],
      ["u2", "INVALID_DATA", null],
      ["u3", "HELD_BY_OTHER_SOURCE", { externalId: null, userId: "r1" }],
      // u4 has a user already: the unsourced r2 is not its to adopt.
      ["u4", "HELD_BY_UNSOURCED_USER", { externalId: null, userId: "r2" }],
      "create",
      ["u6", "DUPLICATE", { externalId: "u5", userId: null }],
      ["u7", "DUPLICATE", { externalId: "u8", userId: "u8" }],
    ]);
  });

  it("refuses invalid data with a reason", () => {
    const matches = matchPeople(
      [
        person("u1", { email: null }),
        person("u2", { email: "not-an-email" }),
        person("u3", { firstName: "x".repeat(256) }),
        person("u4", { profile: { bio: "x".repeat(70_000) } }),
        person("u5", { displayName: "Ada\u0000" }),
        person("u6", { profile: { bio: "a\u0000b" } }),
      ],
      [],
      SYNC,
    );
    expect(summary(matches)).toEqual([
      ["u1", "error", "No email, the sync's unique field"],
      ["u2", "error", "The email is not a valid address"],
      ["u3", "error", "The firstName is longer than 255 characters"],
      ["u4", "error", "The profile is larger than 64 KB"],
      ["u5", "error", "The data contains a NUL character"],
      ["u6", "error", "The data contains a NUL character"],
    ]);
  });

  it("matches the Username field exactly on the login", () => {
    const sync = { id: SYNC.id, uniqueField: "USERNAME" as const };
    const manual = row("r1", { userSyncId: null, externalId: null, username: "ada" });
    const matches = matchPeople(
      [
        person("u1", { username: "ada", email: null }),
        person("u2", { username: "ADA" }),
        person("u3", { username: null }),
      ],
      [manual],
      sync,
    );
    expect(summary(matches)).toEqual([
      ["u1", "update", "r1"],
      ["u2", "create", "ADA"],
      ["u3", "error", "No username, the sync's unique field"],
    ]);
  });

  it("leaves deactivated people to the deletions phase, whatever their data", () => {
    const matches = matchPeople(
      [person("u1", { status: "DEPROVISIONED", email: null }), person("u2", { status: "DEPROVISIONED" })],
      [row("u1")],
      SYNC,
    );
    expect(summary(matches)).toEqual([
      ["u1", "deprovisioned", "u1"],
      ["u2", "deprovisioned", null],
    ]);
  });
});
