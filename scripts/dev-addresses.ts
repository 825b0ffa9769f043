import { networkInterfaces } from "node:os";

/**
 * Every host `npm run dev` can be opened at: localhost (Next's "Local:"), 127.0.0.1 (where the
 * stack's runner and demo Okta live), and this machine's other IPv4 addresses, picked as Next picks
 * its "Network:" address. The one list for the printout and for `allowedDevOrigins`: Next's dev
 * server serves its scripts only to origins it trusts, and a page that never hydrates submits its
 * forms natively.
 */
export function devHosts(): string[] {
  const network = Object.values(networkInterfaces()).flatMap((nics = []) =>
    nics.filter((nic) => nic.family === "IPv4" && nic.address !== "127.0.0.1").map((nic) => nic.address),
  );
  return ["localhost", "127.0.0.1", ...network];
}

export const devUrls = (port: number) => devHosts().map((host) => `http://${host}:${port}`);
