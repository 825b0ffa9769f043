/**
 * Runs once when the server starts: a production server whose configuration would open a hole
 * (a development switch without its override, Inngest without a configured origin) refuses to
 * start. Next.js would only log a failed hook and serve on, half-prepared: exit instead.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { developmentSwitchOn } = await import("@/lib/dev-switches");
  const { serveLocation } = await import("@/inngest/serve-location");
  try {
    developmentSwitchOn("INNGEST_DEV");
    developmentSwitchOn("OKTA_ALLOW_INSECURE_LOCALHOST");
    serveLocation();
  } catch (error) {
    console.error(`Refusing to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
