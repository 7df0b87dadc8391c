/**
 * Forwards one browser request under /api/* to the FastAPI server. Why a route handler rather than a rewrite:
 * the API URL is read at runtime. Why the retries: while the API restarts during a rolling redeploy, a
 * connection is refused or reset before any answer; retrying that (only when it is safe: GET/HEAD, or a POST
 * carrying an Idempotency-Key, which the API uses as the vote id) hides the restart from the voter.
 */
import type { ProxyConfig } from "./config";

/** Request headers passed through to the API (everything else, e.g. cookies, stays at the edge). */
const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "idempotency-key", "user-agent"] as const;
/** Response headers passed back to the browser. */
const FORWARDED_RESPONSE_HEADERS = ["content-type", "retry-after", "cache-control", "location"] as const;
/** Network error codes meaning no response was received, so a safe request may be sent again. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);
/** Paths under /api that the public edge never forwards (operator-only endpoints). */
const BLOCKED_PREFIXES = ["admin"];

export interface ProxyDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  log: (event: Record<string, unknown>) => void;
}

export const defaultDeps: ProxyDeps = {
  fetch: (input, init) => fetch(input, init),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  log: (event) => console.log(JSON.stringify({ ts: new Date().toISOString(), logger: "votelab.frontend.proxy", ...event })),
};

type Failure = { kind: "connection"; code: string } | { kind: "timeout" } | { kind: "other"; message: string };

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (typeof current === "object") {
      const code = (current as { code?: unknown }).code;
      if (typeof code === "string") return code;
      const nested = (current as { errors?: unknown }).errors;
      if (Array.isArray(nested) && nested.length > 0) {
        current = nested[0];
        continue;
      }
      current = (current as { cause?: unknown }).cause;
    } else {
      break;
    }
  }
  return undefined;
}

export function classifyFailure(err: unknown): Failure {
  const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
  if (name === "TimeoutError" || name === "AbortError") return { kind: "timeout" };
  const code = errorCode(err);
  if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) return { kind: "connection", code };
  if (code === undefined && err instanceof TypeError && /fetch failed|other side closed|socket/i.test(`${err.message} ${String(err.cause ?? "")}`)) {
    return { kind: "connection", code: "UNKNOWN_SOCKET" };
  }
  return { kind: "other", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

function jsonError(status: number, error: string, detail: string, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ detail, error }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...extra },
  });
}

/** Safe to send again after a connection failure: reads, or writes that carry an idempotency key. */
export function isRetrySafe(method: string, headers: Headers): boolean {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return true;
  return (headers.get("idempotency-key") ?? "").trim() !== "";
}

export function backoffDelay(config: ProxyConfig, attempt: number): number {
  return Math.min(config.backoffMs * 2 ** attempt, config.maxBackoffMs);
}

async function readLimitedBody(request: Request, maxBytes: number): Promise<ArrayBuffer | "too_large"> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return "too_large";
  const body = await request.arrayBuffer();
  return body.byteLength > maxBytes ? "too_large" : body;
}

export async function forwardToApi(
  request: Request,
  pathSegments: string[],
  config: ProxyConfig,
  deps: ProxyDeps = defaultDeps,
): Promise<Response> {
  const method = request.method.toUpperCase();
  if (pathSegments.length === 0 || pathSegments.some((s) => s === "" || s === "." || s === "..")) {
    return jsonError(404, "not_found", "존재하지 않는 API 경로입니다.");
  }
  if (BLOCKED_PREFIXES.includes(pathSegments[0] ?? "")) {
    return jsonError(404, "not_found", "존재하지 않는 API 경로입니다.");
  }
  const incoming = new URL(request.url);
  const target = `${config.apiUrl}/api/${pathSegments.map(encodeURIComponent).join("/")}${incoming.search}`;

  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  // The Next.js server fills x-forwarded-for with the client socket address when the client sent none
  // (the release's edge preload removes client-supplied forwarding headers, see docs/frontend.md).
  const clientAddress = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  if (clientAddress) headers.set("x-forwarded-for", clientAddress);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  headers.set("x-forwarded-host", request.headers.get("host") ?? incoming.host);

  let body: ArrayBuffer | undefined;
  if (method !== "GET" && method !== "HEAD") {
    const read = await readLimitedBody(request, config.maxBodyBytes);
    if (read === "too_large") {
      return jsonError(413, "payload_too_large", `요청 본문이 너무 큽니다 (최대 ${config.maxBodyBytes}바이트).`);
    }
    body = read;
  }

  const retrySafe = isRetrySafe(method, request.headers);
  const attempts = retrySafe ? config.retries + 1 : 1;
  let lastFailure: Failure = { kind: "other", message: "not attempted" };
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (attempt > 0) await deps.sleep(backoffDelay(config, attempt - 1));
    try {
      const upstream = await deps.fetch(target, {
        method,
        headers,
        body,
        cache: "no-store",
        redirect: "manual",
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      // Buffer the (small JSON) answer inside the loop: a reset while reading it is retried like a refusal.
      const payload = method === "HEAD" ? null : await upstream.arrayBuffer();
      const responseHeaders = new Headers({ "cache-control": "no-store" });
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = upstream.headers.get(name);
        if (value !== null) responseHeaders.set(name, value);
      }
      if (attempt > 0) deps.log({ event: "proxy_retry_succeeded", method, path: `/api/${pathSegments.join("/")}`, attempts: attempt + 1 });
      return new Response(payload, { status: upstream.status, headers: responseHeaders });
    } catch (err) {
      lastFailure = classifyFailure(err);
      deps.log({ event: "proxy_upstream_failure", method, path: `/api/${pathSegments.join("/")}`, attempt: attempt + 1, failure: lastFailure, retry_safe: retrySafe });
      if (lastFailure.kind !== "connection") break;
    }
  }
  if (lastFailure.kind === "timeout") {
    return jsonError(504, "upstream_timeout", "API 서버가 제시간에 응답하지 않았습니다.");
  }
  return jsonError(502, "upstream_unreachable", "API 서버에 연결할 수 없습니다.");
}
