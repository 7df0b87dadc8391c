/**
 * Gives every request its own CSP nonce: set on the request (Next.js reads it there and stamps its scripts) and on
 * the response.
 */
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce } from "@/lib/csp";

export function middleware(request: NextRequest): NextResponse {
  const csp = contentSecurityPolicy(newNonce(), process.env.NODE_ENV !== "production");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

// Only documents need the nonce: /api/* and /healthz answer JSON and get a fixed deny-all policy from
// next.config.ts (running middleware on them would only cost time on the hottest paths).
export const config = {
  matcher: ["/((?!api/|healthz|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
