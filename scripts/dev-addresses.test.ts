import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import nextConfig from "@/next.config";
import { devUrls } from "./dev-addresses";

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
});
