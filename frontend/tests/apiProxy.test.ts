/**
 * The /api proxy against a real local HTTP server standing in for the API: what is forwarded, and which
 * connection failures are retried (only for requests that are safe to send twice).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { forwardToApi, type ProxyDeps } from "@/lib/server/apiProxy";
import type { ProxyConfig } from "@/lib/server/config";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen, index: number) => void;

const servers: http.Server[] = [];

async function startServer(behaviour: Behaviour, port = 0): Promise<{ url: string; seen: Seen[]; server: http.Server }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      behaviour(req, res, entry, seen.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, seen, server };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

function config(apiUrl: string, overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  return { apiUrl, timeoutMs: 2000, retries: 3, backoffMs: 1, maxBackoffMs: 2, maxBodyBytes: 1024, ...overrides };
}

function deps(onSleep: (attempt: number) => Promise<void> | void = () => undefined): ProxyDeps & { logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  let sleeps = 0;
  return {
    logs,
    fetch: (input, init) => fetch(input, init),
    sleep: async () => {
      sleeps += 1;
      await onSleep(sleeps);
    },
    log: (e) => void logs.push(e),
  };
}

const vote = JSON.stringify({ user_id: "anonymous-abc", candidate_id: "monthly", vote_type: "for" });

function browserRequest(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Request {
  return new Request(`http://127.0.0.1:3000/api/${path}`, init);
}

describe("forwardToApi", () => {
  it("forwards method, body, content type, idempotency key and client address, and returns the API's answer", async () => {
    const api = await startServer((_req, res) => {
      res.writeHead(202, { "content-type": "application/json", "retry-after": "1", "set-cookie": "x=1" });
      res.end(JSON.stringify({ vote_id: "k-1", status: "accepted" }));
    });
    const response = await forwardToApi(
      browserRequest("vote", {
        method: "POST",
        body: vote,
        headers: { "content-type": "application/json", "idempotency-key": "k-1", "x-forwarded-for": "203.0.113.9", cookie: "secret=1" },
      }),
      ["vote"],
      config(api.url),
      deps(),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ vote_id: "k-1", status: "accepted" });
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("set-cookie")).toBeNull();
    const [seen] = api.seen;
    expect(seen).toMatchObject({ method: "POST", url: "/api/vote", body: vote });
    expect(seen?.headers["content-type"]).toBe("application/json");
    expect(seen?.headers["idempotency-key"]).toBe("k-1");
    expect(seen?.headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(seen?.headers.cookie).toBeUndefined();
  });

  it("keeps the query string and passes API errors (422, 503) through unchanged", async () => {
    const api = await startServer((req, res) => {
      const status = req.url?.startsWith("/api/results") ? 503 : 422;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: status === 503 ? "broker unavailable" : [{ loc: ["body", "vote_type"], msg: "bad" }] }));
    });
    const results = await forwardToApi(browserRequest("results?x=1"), ["results"], config(api.url), deps());
    expect(results.status).toBe(503);
    expect(api.seen[0]?.url).toBe("/api/results?x=1");
    const invalid = await forwardToApi(
      browserRequest("vote", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }),
      ["vote"],
      config(api.url),
      deps(),
    );
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toEqual({ detail: [{ loc: ["body", "vote_type"], msg: "bad" }] });
    expect(api.seen).toHaveLength(2);
  });

  it("retries a POST with an Idempotency-Key whose connection was reset before any answer", async () => {
    const api = await startServer((req, res, _seen, index) => {
      if (index < 2) {
        req.socket.destroy();
        return;
      }
      res.writeHead(202, { "content-type": "application/json" });
      res.end(JSON.stringify({ vote_id: "k-2", status: "accepted" }));
    });
    const d = deps();
    const response = await forwardToApi(
      browserRequest("vote", { method: "POST", body: vote, headers: { "content-type": "application/json", "idempotency-key": "k-2" } }),
      ["vote"],
      config(api.url),
      d,
    );
    expect(response.status).toBe(202);
    expect(api.seen).toHaveLength(3);
    expect(api.seen.every((s) => s.headers["idempotency-key"] === "k-2" && s.body === vote)).toBe(true);
    expect(d.logs.some((e) => e.event === "proxy_retry_succeeded")).toBe(true);
  });

  it("does not resend a POST without an Idempotency-Key (it might count twice)", async () => {
    const api = await startServer((req) => req.socket.destroy());
    const response = await forwardToApi(
      browserRequest("vote", { method: "POST", body: vote, headers: { "content-type": "application/json" } }),
      ["vote"],
      config(api.url),
      deps(),
    );
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: "upstream_unreachable" });
    expect(api.seen).toHaveLength(1);
  });

  it("rides out an API restart: refused connections until the API listens again", async () => {
    const probe = await startServer(() => undefined);
    const { port } = probe.server.address() as AddressInfo;
    probe.server.closeAllConnections();
    await new Promise((resolve) => probe.server.close(resolve));
    servers.splice(servers.indexOf(probe.server), 1);
    let restarted: Awaited<ReturnType<typeof startServer>> | undefined;
    const d = deps(async (sleepCount) => {
      if (sleepCount === 2) {
        restarted = await startServer((_req, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ results: {} }));
        }, port);
      }
    });
    const response = await forwardToApi(browserRequest("results"), ["results"], config(`http://127.0.0.1:${port}`), d);
    expect(response.status).toBe(200);
    expect(restarted?.seen).toHaveLength(1);
    const failures = d.logs.filter((e) => e.event === "proxy_upstream_failure");
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ failure: { kind: "connection", code: "ECONNREFUSED" } });
  });

  it("answers 502 JSON after the retries when the API stays down", async () => {
    const probe = await startServer(() => undefined);
    const { port } = probe.server.address() as AddressInfo;
    probe.server.closeAllConnections();
    await new Promise((resolve) => probe.server.close(resolve));
    servers.splice(servers.indexOf(probe.server), 1);
    const d = deps();
    const response = await forwardToApi(browserRequest("results"), ["results"], config(`http://127.0.0.1:${port}`, { retries: 2 }), d);
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(d.logs.filter((e) => e.event === "proxy_upstream_failure")).toHaveLength(3);
  });

  it("answers 504 when the API does not answer in time, without retrying", async () => {
    const api = await startServer(() => undefined);
    const response = await forwardToApi(browserRequest("results"), ["results"], config(api.url, { timeoutMs: 150 }), deps());
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: "upstream_timeout" });
    expect(api.seen).toHaveLength(1);
  });

  it("refuses oversize bodies with 413 before they reach the API", async () => {
    const api = await startServer((_req, res) => res.end("{}"));
    const response = await forwardToApi(
      browserRequest("vote", { method: "POST", body: "x".repeat(2048), headers: { "content-type": "application/json" } }),
      ["vote"],
      config(api.url),
      deps(),
    );
    expect(response.status).toBe(413);
    expect(api.seen).toHaveLength(0);
  });

  it("never forwards operator-only or odd paths", async () => {
    const api = await startServer((_req, res) => res.end("{}"));
    for (const path of [["admin", "repair"], ["..", "metrics"], []]) {
      const response = await forwardToApi(browserRequest(path.join("/")), path, config(api.url), deps());
      expect(response.status).toBe(404);
    }
    expect(api.seen).toHaveLength(0);
  });
});
