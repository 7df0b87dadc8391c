/** Liveness of the front-end server itself and the release it runs (deploy health gates compare the version). */
import { releaseVersion } from "@/lib/server/config";

export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok", version: releaseVersion() }, { headers: { "cache-control": "no-store" } });
}
