/** The release preload: client-supplied forwarding headers never reach Next.js (so X-Forwarded-For is the socket's). */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

describe("edge-headers preload", () => {
  it("drops X-Forwarded-For and friends sent by the client", async () => {
    require("../server/edge-headers.cjs");
    const server = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(req.headers));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { "x-forwarded-for": "6.6.6.6", forwarded: "for=6.6.6.6", "x-real-ip": "6.6.6.6", "x-custom": "kept" },
      });
      const seen = (await response.json()) as Record<string, string>;
      expect(seen["x-forwarded-for"]).toBeUndefined();
      expect(seen.forwarded).toBeUndefined();
      expect(seen["x-real-ip"]).toBeUndefined();
      expect(seen["x-custom"]).toBe("kept");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
