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

/** A search box: trimmed, bounded, NUL characters dropped (nothing stored can contain one). */
export const searchText = z
  .string()
  .max(200)
  .transform((text) => text.replaceAll("\u0000", "").trim());
