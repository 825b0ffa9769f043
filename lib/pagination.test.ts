import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./pagination";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

describe("decodeCursor (cursors come from URLs: untrusted)", () => {
  it("never throws, and answers null or a value of the field's type with a well-formed id", () => {
    const anyCursor = fc.oneof(
      fc.string({ maxLength: 3000, unit: "binary" }),
      fc.base64String({ maxLength: 200 }),
      fc.jsonValue().map(b64),
      fc.tuple(fc.oneof(fc.string({ unit: "binary" }), fc.double(), fc.integer()), fc.string()).map(b64),
    );
    fc.assert(
      fc.property(anyCursor, fc.constantFrom("text" as const, "date" as const), (cursor, type) => {
        const decoded = decodeCursor(cursor, type);
        if (decoded === null) return;
        const [value, key] = decoded;
        expect(key).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        if (type === "date") expect(Number.isNaN((value as Date).getTime())).toBe(false);
        else expect(typeof value === "string" && !value.includes("\u0000")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips what the app encodes", () => {
    const text = fc.string({ maxLength: 200, unit: "grapheme" }).filter((s) => !s.includes("\u0000"));
    fc.assert(
      fc.property(text, id, (value, key) => {
        expect(decodeCursor(encodeCursor(value, key), "text")).toEqual([value, key]);
      }),
    );
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), id, (value, key) => {
        expect(decodeCursor(encodeCursor(value, key), "date")).toEqual([value, key]);
      }),
    );
  });

  it("refuses a cursor made for a field of the other type, an invalid date, a NUL or a foreign-looking id", () => {
    expect(decodeCursor(encodeCursor(new Date(0), "a"), "text")).toBeNull();
    expect(decodeCursor(encodeCursor("Ada", "a"), "date")).toBeNull();
    expect(decodeCursor(b64([1e20, "a"]), "date")).toBeNull();
    expect(decodeCursor(b64([1.5, "a"]), "date")).toBeNull();
    expect(decodeCursor(b64(["a\u0000b", "a"]), "text")).toBeNull();
    expect(decodeCursor(b64(["a", "a\u0000"]), "text")).toBeNull();
    expect(decodeCursor(b64(["a", "x".repeat(65)]), "text")).toBeNull();
    expect(decodeCursor("x".repeat(2001), "text")).toBeNull();
  });
});
