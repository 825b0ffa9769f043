import { z } from "zod";
import { orgRoute } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { csvResponse } from "@/lib/export/response";
import { runItemsCsv } from "@/lib/user-sync/run-export";
import { RUN_EXPORTS } from "@/lib/user-sync/runs";

const exportQuery = z.object({
  items: z.enum(Object.keys(RUN_EXPORTS) as [keyof typeof RUN_EXPORTS]).catch("changes"),
});

/** A run's changes (`?items=changes`) or errors (`?items=errors`) as CSV, for those who see its page. */
export const GET = orgRoute<{ params: Promise<{ runId: string }> }>(
  "user-sync:read",
  async (request, member, { params }) => {
    const { items } = exportQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
    const file = await runItemsCsv(getDb(), member.organizationId, (await params).runId, items);
    if (!file) return Response.json({ error: "Not found." }, { status: 404 });
    return csvResponse(file.body, file.name);
  },
);
