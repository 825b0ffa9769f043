/**
 * Reads CSV back as a spreadsheet would (RFC 4180: quoted fields may hold commas, quotes doubled,
 * and line breaks), so tests check the cells an admin sees rather than the text's shape. Throws on
 * anything RFC 4180 does not allow, e.g. a quote inside an unquoted field.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let at = 0;
  while (at < text.length) {
    let cell = "";
    if (text[at] === '"') {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new Error("Unterminated quoted field");
        cell += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        cell += '"';
        at++;
      }
    } else {
      const end = text.slice(at).search(/[,\r\n]/);
      cell = end < 0 ? text.slice(at) : text.slice(at, at + end);
      if (cell.includes('"')) throw new Error(`A quote in an unquoted field: ${cell}`);
      at += cell.length;
    }
    row.push(cell);
    if (text[at] === ",") {
      at++;
      continue;
    }
    if (at < text.length && text.slice(at, at + 2) !== "\r\n") throw new Error(`Expected CRLF at ${at}`);
    at += 2;
    rows.push(row);
    row = [];
  }
  return rows;
}

/** A CSV export's rows as records keyed by its header, after the UTF-8 byte-order mark. */
export function csvRecords(text: string): Record<string, string>[] {
  if (!text.startsWith("\uFEFF")) throw new Error("No UTF-8 byte-order mark");
  const [header = [], ...rows] = parseCsv(text.slice(1));
  return rows.map((cells) => {
    if (cells.length !== header.length) throw new Error(`A row of ${cells.length} cells: ${cells}`);
    return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ""]));
  });
}
