import { orgRoute } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { csvResponse } from "@/lib/export/response";
import { usersCsv } from "@/lib/users/export";
import { userListQuery } from "@/lib/users/queries";

/**
 * The Users page's users as CSV, with the page's filters, search and order (every page). Whoever
 * may see the page may export it (Members too): it holds nothing the page and a user's page do
 * not show them.
 */
export const GET = orgRoute("users:read", async (request, member) => {
  const query = userListQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { name, body } = usersCsv(getDb(), member, query);
  return csvResponse(body, name);
});
