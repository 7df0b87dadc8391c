import { describe, expect, it } from "vitest";
import { ballotsKey, loadBallots, recordBallot } from "@/lib/ballotStore";
import type { KeyValueStore } from "@/lib/voterId";

function memoryStore(initial: Record<string, string> = {}): KeyValueStore {
  const data = { ...initial };
  return { getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

describe("ballot store", () => {
  it("starts empty and records accepted votes per candidate", () => {
    const store = memoryStore();
    expect(loadBallots(store, "anonymous-a")).toEqual({ monthly: null, biweekly: null });
    recordBallot(store, "anonymous-a", "monthly", "for");
    expect(recordBallot(store, "anonymous-a", "biweekly", "against")).toEqual({ monthly: "for", biweekly: "against" });
  });

  it("a changed vote replaces the earlier choice", () => {
    const store = memoryStore();
    recordBallot(store, "anonymous-a", "monthly", "for");
    expect(recordBallot(store, "anonymous-a", "monthly", "against").monthly).toBe("against");
    expect(loadBallots(store, "anonymous-a").monthly).toBe("against");
  });

  it("keeps voters apart and survives corrupted storage", () => {
    const store = memoryStore({ [ballotsKey("anonymous-b")]: "{not json" });
    recordBallot(store, "anonymous-a", "monthly", "for");
    expect(loadBallots(store, "anonymous-b")).toEqual({ monthly: null, biweekly: null });
    const odd = memoryStore({ [ballotsKey("anonymous-c")]: JSON.stringify({ monthly: "maybe", biweekly: "for" }) });
    expect(loadBallots(odd, "anonymous-c")).toEqual({ monthly: null, biweekly: "for" });
  });
});
