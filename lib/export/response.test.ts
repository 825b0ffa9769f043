import { describe, expect, it } from "vitest";
import { attachment, csvResponse, fileDate } from "./response";

describe("csvResponse", () => {
  it("is a CSV attachment that no cache keeps and no browser sniffs", () => {
    const response = csvResponse(new ReadableStream(), "Acme users 2025-12-06");
    expect(Object.fromEntries(response.headers)).toEqual({
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="Acme users 2025-12-06.csv"',
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
  });
});

describe("attachment", () => {
  it("gives an ASCII name, and the UTF-8 name as filename* when they differ (RFC 6266)", () => {
    expect(attachment("Zoë's Ökonomie (test) users", "csv")).toBe(
      `attachment; filename="Zo_'s _konomie (test) users.csv"; filename*=UTF-8''Zo%C3%AB%27s%20%C3%96konomie%20%28test%29%20users.csv`,
    );
  });

  it("keeps path separators, quotes, controls and bidi overrides out of the name", () => {
    const header = attachment('../..\\etc/"passwd"\r\nSet-Cookie: x=1\u202egpj', "csv");
    expect(header).toBe(`attachment; filename=".._.._etc__passwd___Set-Cookie_ x=1gpj.csv"`);
    expect(attachment("   ", "csv")).toBe('attachment; filename="export.csv"');
  });

  it("cuts a long name at a whole character, keeping the extension", () => {
    const header = attachment("😀".repeat(200), "csv");
    const star = decodeURIComponent(header.split("UTF-8''")[1] ?? "");
    expect(star).toBe(`${"😀".repeat(120)}.csv`);
  });
});

it("fileDate is the UTC day", () => {
  expect(fileDate(new Date("2025-12-06T23:59:59Z"))).toBe("2025-12-06");
});
