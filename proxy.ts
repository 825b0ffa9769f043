import { type NextRequest, NextResponse } from "next/server";
import { contentSecurityPolicy, newNonce } from "@/lib/content-security-policy";
import { isDecodablePath } from "@/lib/input";

/** Every request but static assets and Inngest's calls: a malformed path is refused, pages get a nonce CSP. */
export function proxy(request: NextRequest) {
  if (!isDecodablePath(request.nextUrl.pathname)) {
    return new NextResponse("Bad request: the path has a malformed percent-escape.", { status: 400 });
  }
  const csp = contentSecurityPolicy(newNonce(), process.env.NODE_ENV === "production");
  // Next.js reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon\\.ico|api/inngest).*)"],
};
