/**
 * Next.js build settings. Standalone output so a host needs only Node.js and the bundle; security headers on
 * every answer. The API URL is deliberately NOT here: rewrites are frozen at build time, so /api/* is a
 * route handler reading VOTELAB_API_URL at runtime instead.
 */
import type { NextConfig } from "next";

const isDev = process.env.NODE_ENV !== "production";

// Next's App Router hydrates through inline <script> payloads, so script-src needs 'unsafe-inline'
// (a nonce would force per-request rendering); everything else is locked to this origin.
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  `connect-src 'self'${isDev ? " ws:" : ""}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  // `make test-frontend` runs eslint on its own; the build keeps its TypeScript check.
  eslint: { ignoreDuringBuilds: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
