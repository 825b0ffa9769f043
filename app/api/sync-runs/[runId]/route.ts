import { orgRoute } from "@/lib/auth/guard";
import { getDb } from "@/lib/db";
import { getRun } from "@/lib/user-sync/runs";

/** A run's live progress, polled by the sync detail page while the run is active. */
export const GET = orgRoute<{ params: Promise<{ runId: string }> }>(
  "user-sync:read",
  async (_request, member, { params }) => {
    const run = await getRun(getDb(), member.organizationId, (await params).runId);
    if (!run) return Response.json({ error: "Not found." }, { status: 404 });
    return Response.json(run, { headers: { "Cache-Control": "no-store" } });
  },
);
