/** Runs once when the server starts: the checks live in a Node.js-only module (lib/startup.ts). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") (await import("@/lib/startup")).refuseUnsafeConfiguration();
}
