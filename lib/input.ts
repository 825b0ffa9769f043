import { z } from "zod";

/**
 * Untrusted values from URLs and forms, checked before they reach a query. PostgreSQL refuses a
 * NUL character in text with an error, so one `%00` in a URL would otherwise be a 500.
 */

/** The shape of every record id (cuids, ulids, the e2e fixtures' slugs). */
const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const recordId = z.string().regex(RECORD_ID, "Not a valid id.");

/** Anything that is not an id finds nothing, without a query. */
export const isRecordId = (value: string) => RECORD_ID.test(value);

/**
 * Bidi embeddings, overrides and isolates, directional marks and invisible separators: in a name
 * they make it read as something else (U+202E shows `exe.txt` as `txt.exe`) or look like another.
 * ZWNJ and ZWJ (U+200C, U+200D) stay: Persian, Indic scripts and emoji need them.
 */
const INVISIBLE_CONTROLS = /[\u061C\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

/** A name from a directory or a form, without the invisible controls that could disguise it. */
export const withoutInvisibleControls = (text: string) => text.replace(INVISIBLE_CONTROLS, "");

/** A search box: trimmed, bounded, NUL characters dropped (nothing stored can contain one). */
export const searchText = z
  .string()
  .max(200)
  .transform((text) => text.replaceAll("\u0000", "").trim());

/**
 * Whether a URL path decodes: Next.js decodes dynamic route segments itself and answers a
 * malformed percent-escape (`/users/%E0%A4%A`) with a 500.
 */
export function isDecodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}
