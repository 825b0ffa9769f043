import { serveLocation } from "@/inngest/serve-location";
import { developmentSwitchOn } from "@/lib/dev-switches";

/**
 * A production server whose configuration would open a hole (a development switch without its
 * override, Inngest without a configured origin) refuses to start. Next.js would only log a
 * failed instrumentation hook and serve on, half-prepared: exit instead.
 */
export function refuseUnsafeConfiguration(): void {
  try {
    developmentSwitchOn("INNGEST_DEV");
    developmentSwitchOn("OKTA_ALLOW_INSECURE_LOCALHOST");
    developmentSwitchOn("ENTRA_DEV_URL");
    developmentSwitchOn("GOOGLE_DEV_URL");
    serveLocation();
  } catch (error) {
    console.error(`Refusing to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
