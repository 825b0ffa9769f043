import { withoutInvisibleControls } from "@/lib/input";

/**
 * A CSV download named `<name>.csv`: an attachment, never cached (directory data, behind a
 * session), never sniffed as something else.
 */
export function csvResponse(body: ReadableStream<Uint8Array>, name: string): Response {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": attachment(name, "csv"),
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

// What no file name may hold on any system (path separators, Windows' reserved characters,
// controls), whatever a sync's or an organization's name contains.
const UNSAFE = /[\p{Cc}"*/:<>?\\|]/gu;

/**
 * RFC 6266: `filename` in plain ASCII for every client, and `filename*` (RFC 8187, UTF-8) with the
 * real name when it is not plain ASCII; browsers that know `filename*` use it.
 */
export function attachment(name: string, extension: string): string {
  // At most 120 characters (a whole code point each) before the extension, which always stays.
  const base = Array.from(withoutInvisibleControls(name).replace(UNSAFE, "_").trim()).slice(0, 120);
  const clean = `${base.join("").trim() || "export"}.${extension}`;
  const ascii = clean.replace(/[^\x20-\x7e]/g, "_");
  if (ascii === clean) return `attachment; filename="${ascii}"`;
  const encoded = encodeURIComponent(clean).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A day as a file name shows it: 2025-12-06 (UTC). */
export const fileDate = (date: Date) => date.toISOString().slice(0, 10);
