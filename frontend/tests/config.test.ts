import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { proxyConfig, releaseVersion } from "@/lib/server/config";

describe("proxy config", () => {
  it("reads the API URL at runtime and drops a trailing slash", () => {
    const cfg = proxyConfig({ VOTELAB_API_URL: "http://172.16.1.17:8000/" });
    expect(cfg.apiUrl).toBe("http://172.16.1.17:8000");
    expect(cfg.retries).toBeGreaterThan(0);
    expect(cfg.timeoutMs).toBe(5000);
  });
  it("defaults to the local API", () => {
    expect(proxyConfig({}).apiUrl).toBe("http://127.0.0.1:8000");
  });
  it("rejects nonsense settings with the variable's name", () => {
    expect(() => proxyConfig({ VOTELAB_API_URL: "ftp://x" })).toThrow(/VOTELAB_API_URL/);
    expect(() => proxyConfig({ VOTELAB_API_TIMEOUT_MS: "soon" })).toThrow(/VOTELAB_API_TIMEOUT_MS/);
    expect(() => proxyConfig({ VOTELAB_API_RETRIES: "-1" })).toThrow(/VOTELAB_API_RETRIES/);
  });
  it("reports the release from VOTELAB_RELEASE", () => {
    expect(releaseVersion({ VOTELAB_RELEASE: "0.1.0+gabc" })).toBe("0.1.0+gabc");
    expect(releaseVersion({}, "/nonexistent/VERSION")).toBe("dev");
  });
  it("falls back to the bundle's VERSION file", () => {
    const dir = mkdtempSync(join(tmpdir(), "votelab-version-"));
    writeFileSync(join(dir, "VERSION"), "0.2.0+gfeed\n");
    expect(releaseVersion({}, join(dir, "VERSION"))).toBe("0.2.0+gfeed");
    expect(releaseVersion({ VOTELAB_RELEASE: " " }, join(dir, "VERSION"))).toBe("0.2.0+gfeed");
  });
});
