import { configuredAppUrl } from "@/lib/app-url";

export const SERVE_PATH = "/api/inngest";

/**
 * Where Inngest calls the app: INNGEST_SERVE_ORIGIN, else APP_URL's origin, at /api/inngest. Left
 * to itself the SDK takes the origin from the request, so an anonymous `PUT /api/inngest` with a
 * forged Host would register another server, in a request signed with our key, to receive every
 * step. A production server with a signing key therefore refuses to start without one of them.
 */
export function serveLocation(env: Record<string, string | undefined> = process.env): {
  serveOrigin?: string;
  servePath: string;
} {
  const configured = env.INNGEST_SERVE_ORIGIN?.trim() || configuredAppUrl(env);
  if (!configured) {
    if (env.NODE_ENV === "production" && env.INNGEST_SIGNING_KEY) {
      throw new Error(
        "Set APP_URL (or INNGEST_SERVE_ORIGIN) to the dashboard's public https:// URL: Inngest must not learn where to call the app from a request's Host header.",
      );
    }
    return { servePath: SERVE_PATH };
  }
  return { serveOrigin: new URL(configured).origin, servePath: SERVE_PATH };
}
