import type { NextConfig } from "next";
import { devHosts } from "./scripts/dev-addresses";

const production = process.env.NODE_ENV === "production";

// The Content-Security-Policy carries a per-request nonce: proxy.ts sets it.
const securityHeaders = [
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  ...(production ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // `next dev` serves its scripts to these hosts only: every address `npm run dev` prints.
  allowedDevOrigins: devHosts(),
  // Native or WebAssembly modules that must load from node_modules at run time.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@node-rs/argon2", "pg"],
  experimental: { authInterrupts: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
