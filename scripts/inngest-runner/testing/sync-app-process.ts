import { serveRoutes } from "./http";

/**
 * The app's real `/api/inngest` route (every function, `getDb()` on DATABASE_URL) in a process of
 * its own, for tests that kill it mid-step. Prints its origin as the first stdout line.
 */
const route = await import("@/app/api/inngest/route");
const { origin } = await serveRoutes({ "/api/inngest": route }, Number(process.env.PORT ?? 0));
process.stdout.write(`${JSON.stringify({ origin })}\n`);
