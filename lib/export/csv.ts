/**
 * CSV for spreadsheets (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a
 * comma, a quote or a line break, quotes doubled), streamed a page of rows at a time.
 *
 * Directory data is written by whoever can edit a profile in the customer's Okta, so a cell that a
 * spreadsheet would read as a formula (`=HYPERLINK(…)`, `@SUM(…)`) is neutralised as OWASP's "CSV
 * Injection" guidance says: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
 * gets a leading single quote, which spreadsheets show (`'-2+3`) rather than evaluate.
 */

/**
 * Rows an export reads a query at a time: some 160 KB of CSV, and 15–20 ms of the event loop to
 * read and encode them (the server answers other requests between pages).
 */
export const EXPORT_PAGE_SIZE = 1000;

/** One column of an export: its header and how a row fills it (null: an empty cell). */
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | null;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | null): string {
  if (value === null || value === "") return "";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly (string | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/**
 * A byte-order mark first: Excel reads a CSV file as UTF-8 only when it starts with one (without,
 * it uses the machine's legacy code page, and "Zoë" shows as "ZoÃ«"). LibreOffice, Numbers and
 * Google Sheets skip it; a script reading the file decodes it as `utf-8-sig` (Python) or strips it.
 */
export const UTF8_BOM = "\uFEFF";

/**
 * The header line, then one chunk per page of rows, read only when the consumer asks for it
 * (a high-water mark of 0: no page is fetched ahead of the reader), so memory holds one page
 * whatever the export's length. Cancelling (the client went away) ends the page source: no
 * further page is read.
 */
export function csvStream<T>(
  columns: readonly CsvColumn<T>[],
  pages: AsyncIterable<T[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const source = pages[Symbol.asyncIterator]();
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(UTF8_BOM + csvLine(columns.map((c) => c.header))));
          return;
        }
        // An empty page (a filter that matched nothing in one kind) is no chunk: read the next one.
        for (;;) {
          const page = await source.next();
          if (page.done) {
            controller.close();
            return;
          }
          if (page.value.length === 0) continue;
          controller.enqueue(
            encoder.encode(page.value.map((row) => csvLine(columns.map((c) => c.value(row)))).join("")),
          );
          return;
        }
      },
      async cancel() {
        await source.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
