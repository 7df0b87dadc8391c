import { afterEach, describe, expect, it, vi } from "vitest";

import { randomHex32, randomUuid } from "@/lib/random";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("random ids", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("makes RFC 4122 version 4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 200 }, () => randomUuid()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it("sets the version and variant bits whatever the random bytes are", () => {
    expect(randomUuid((b) => b.fill(0xff))).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    expect(randomUuid((b) => b.fill(0))).toBe("00000000-0000-4000-8000-000000000000");
  });

  it("works where crypto.randomUUID does not exist (plain-HTTP pages are not secure contexts)", () => {
    vi.stubGlobal("crypto", { getRandomValues: (b: Uint8Array) => b.fill(7) });
    expect(randomUuid()).toMatch(UUID_V4);
    expect(randomHex32()).toBe("07".repeat(16));
  });
});
