/**
 * Same-origin /api/* for the browser: forwarded at request time to VOTELAB_API_URL (see lib/server/apiProxy.ts).
 */
import { forwardToApi } from "@/lib/server/apiProxy";
import { proxyConfig } from "@/lib/server/config";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Context = { params: Promise<{ path: string[] }> };

async function handle(request: Request, context: Context): Promise<Response> {
  const { path } = await context.params;
  return forwardToApi(request, path, proxyConfig());
}

export const GET = handle;
export const HEAD = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
