import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import nextConfig from "@/next.config";
import { devUrls } from "./dev-addresses";
import { localEnvironment } from "./local-env";

/** Next's own choice of the "Network:" address `next dev` prints. */
const { getNetworkHost } = createRequire(import.meta.url)("next/dist/lib/get-network-host.js") as {
  getNetworkHost(family: "IPv4" | "IPv6"): string | null;
};

describe("the addresses `npm run dev` prints", () => {
  it("are all origins the dev server serves its scripts to", () => {
    const printed = [
      ...devUrls(3000),
      "http://localhost:3000", // Next's "Local:"
      ...(getNetworkHost("IPv4") ? [`http://${getNetworkHost("IPv4")}:3000`] : []), // Next's "Network:"
    ];
    expect(printed).toContain("http://127.0.0.1:3000");
    for (const url of printed)
      expect(nextConfig.allowedDevOrigins ?? [], url).toContain(new URL(url).hostname);
  });

  it("each sign in there: Auth.js takes its URL from the request, not one pinned to localhost", () => {
    // A pinned AUTH_URL sends a sign-in at 127.0.0.1 back to localhost, where its cookie is not.
    const env = localEnvironment(3000);
    if (!process.env.AUTH_URL) expect(env.AUTH_URL).toBeUndefined();
    expect(env.AUTH_TRUST_HOST).toBe("true");
  });
});
