import type { z } from "zod";
import { parseUntrustedJson, type Scrub } from "@/lib/okta/errors";
import type { HttpResponse } from "@/lib/okta/transport";

/**
 * A directory's JSON answer, its strings scrubbed, checked against `schema`. An answer that is not
 * JSON or not of that shape throws `malformed(problem)`, the client's own error; the problem names
 * the first field that is off, scrubbed as well (its path may hold keys the server chose).
 */
export function parseAnswer<T>(
  response: HttpResponse,
  schema: z.ZodType<T>,
  scrub: Scrub,
  malformed: (problem: string) => Error,
): T {
  let json: unknown;
  try {
    json = parseUntrustedJson(response.body, scrub);
  } catch {
    throw malformed("is not valid JSON");
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = scrub(`${issue?.path.join(".") || "body"}: ${issue?.message}`).slice(0, 300);
  throw malformed(`has an unexpected shape (${field})`);
}
