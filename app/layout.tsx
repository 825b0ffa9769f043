import type { Metadata } from "next";
import { connection } from "next/server";
import { Providers } from "@/components/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Dashboard", template: "%s · Dashboard" },
  description: "Identity platform dashboard: user management and Okta Workspace user sync.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: a prerendered page's scripts could not carry the request's CSP nonce (proxy.ts).
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
