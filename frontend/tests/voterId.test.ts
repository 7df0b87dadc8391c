import { describe, expect, it } from "vitest";
import { VOTER_ID_KEY, isValidVoterId, loadOrCreateVoterId, newVoterId, type KeyValueStore } from "@/lib/voterId";

function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Record<string, string> } {
  const data = { ...initial };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

describe("voter id", () => {
  it("has the anonymous-<random> form the API expects", () => {
    const id = newVoterId();
    expect(id).toMatch(/^anonymous-[a-f0-9]{32}$/);
    expect(isValidVoterId(id)).toBe(true);
  });

  it("differs between browsers (fresh random each time)", () => {
    expect(newVoterId()).not.toBe(newVoterId());
  });

  it("is created once and then kept across reloads", () => {
    const store = memoryStore();
    const first = loadOrCreateVoterId(store, () => "abc123def4567890");
    expect(store.data[VOTER_ID_KEY]).toBe(first);
    const second = loadOrCreateVoterId(store, () => "ffffffffffffffff");
    expect(second).toBe(first);
  });

  it("replaces a corrupted stored value", () => {
    const store = memoryStore({ [VOTER_ID_KEY]: "<script>" });
    const id = loadOrCreateVoterId(store, () => "0123456789abcdef");
    expect(id).toBe("anonymous-0123456789abcdef");
    expect(store.data[VOTER_ID_KEY]).toBe(id);
  });

  it("strips characters outside [a-z0-9] from the random part", () => {
    expect(newVoterId(() => "AB-CD_12.34ef56gh")).toBe("anonymous-abcd1234ef56gh");
  });
});
