import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { decodeCursor, encodeCursor, pagesOf } from "./pagination";

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

describe("pagesOf", () => {
  it("reads a page per next(), in order, only when asked, and none after return()", async () => {
    const read = vi.fn(async (cursor: number) => ({ items: [cursor], next: cursor < 3 ? cursor + 1 : null }));
    const pages = pagesOf(1, read);
    expect(read).not.toHaveBeenCalled();
    const seen: number[][] = [];
    for await (const page of pages) seen.push(page);
    expect(seen).toEqual([[1], [2], [3]]);
    expect(read).toHaveBeenCalledTimes(3);

    const stopped = pagesOf(1, read);
    await stopped.next();
    await stopped.return?.();
    expect(await stopped.next()).toEqual({ done: true, value: undefined });
    expect(read).toHaveBeenCalledTimes(4);
  });

  it("keeps nothing of a page once read, while it waits for the next call (a generator would)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const live = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    // A page of some 20 MB of objects.
    const pages = pagesOf(0, async (cursor) => ({
      items: Array.from({ length: 200_000 }, (_, i) => ({ name: `Person ${cursor}-${i}` })),
      next: cursor + 1,
    }));
    // Read in a function of its own, as a stream's pull is: its frame, and the page, end with it.
    const readOne = async () => (await pages.next()).value?.length;
    const before = live();
    expect(await readOne()).toBe(200_000);
    expect((live() - before) / 2 ** 20).toBeLessThan(2);
  });
});
