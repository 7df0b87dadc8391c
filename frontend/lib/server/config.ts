/**
 * The Next.js server's runtime settings, read from the environment on every use (not at build time), so one
 * standalone bundle runs on any host: the API URL comes from VOTELAB_API_URL when the server starts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ProxyConfig {
  /** Base URL of the FastAPI server, without a trailing slash, e.g. http://172.16.1.17:8000. */
  apiUrl: string;
  /** Per-attempt deadline for the API's answer. */
  timeoutMs: number;
  /** Extra attempts after a connection failure (refused/reset before any response). */
  retries: number;
  /** First backoff between attempts; doubles each time, capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Request bodies above this size are refused with 413 before reaching the API. */
  maxBodyBytes: number;
}

type Env = Record<string, string | undefined>;

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function proxyConfig(env: Env = process.env): ProxyConfig {
  const apiUrl = (env.VOTELAB_API_URL ?? "http://127.0.0.1:8000").trim().replace(/\/+$/, "");
  const parsed = new URL(apiUrl);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`VOTELAB_API_URL must be an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  }
  return {
    apiUrl,
    timeoutMs: intFrom(env, "VOTELAB_API_TIMEOUT_MS", 5000, 100, 120_000),
    retries: intFrom(env, "VOTELAB_API_RETRIES", 8, 0, 20),
    backoffMs: intFrom(env, "VOTELAB_API_RETRY_BACKOFF_MS", 100, 1, 10_000),
    maxBackoffMs: intFrom(env, "VOTELAB_API_RETRY_MAX_BACKOFF_MS", 1000, 1, 60_000),
    maxBodyBytes: intFrom(env, "VOTELAB_PROXY_MAX_BODY_BYTES", 16_384, 1, 10_485_760),
  };
}

/**
 * The release this server runs, reported by /healthz (deploy health gates compare it): VOTELAB_RELEASE, else the
 * release bundle's VERSION file (server.js runs from the bundle directory), else "dev".
 */
export function releaseVersion(env: Env = process.env, versionFile: string = join(process.cwd(), "VERSION")): string {
  const fromEnv = env.VOTELAB_RELEASE?.trim();
  if (fromEnv) return fromEnv;
  try {
    return readFileSync(versionFile, "utf8").trim() || "dev";
  } catch {
    return "dev";
  }
}
