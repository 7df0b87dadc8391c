/**
 * Next.js build settings. Standalone output so a host needs only Node.js and the bundle; security headers on
 * every answer (the Content-Security-Policy carries a per-request nonce, so middleware.ts sets it). The API URL
 * is deliberately NOT here: rewrites are frozen at build time, so /api/* is a route handler reading
 * VOTELAB_API_URL at runtime instead.
 */
import type { NextConfig } from "next";

const securityHeaders = [
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
    // JSON endpoints never render anything: a deny-all policy (pages get theirs, with a nonce, from middleware.ts).
    const jsonPolicy = { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" };
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: [jsonPolicy] },
      { source: "/healthz", headers: [jsonPolicy] },
    ];
  },
};

export default nextConfig;
