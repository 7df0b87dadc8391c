import { describe, expect, it } from "vitest";
import { driftNotice, leader, parseResults, splitPercent, totalVotes, type Results } from "@/lib/results";

const results = (m: [number, number], b: [number, number]): Results => ({
  monthly: { for: m[0], against: m[1], total: m[0] + m[1] },
  biweekly: { for: b[0], against: b[1], total: b[0] + b[1] },
});

describe("parseResults", () => {
  it("reads the API's documented shape and source", () => {
    const snap = parseResults({
      results: { monthly: { for: 31, against: 3, total: 34 }, biweekly: { for: 16, against: 1, total: 17 } },
      source: "redis",
    });
    expect(snap.results.monthly).toEqual({ for: 31, against: 3, total: 34 });
    expect(snap.results.biweekly.total).toBe(17);
    expect(snap.source).toBe("redis");
  });

  it("treats missing candidates and fields as zero, and ignores junk values", () => {
    const snap = parseResults({ results: { monthly: { for: 2, against: "x" } } });
    expect(snap.results.monthly).toEqual({ for: 2, against: 0, total: 0 });
    expect(snap.results.biweekly).toEqual({ for: 0, against: 0, total: 0 });
    expect(snap.source).toBeNull();
  });

  it("keeps the API's total when it disagrees with 찬성 + 반대, in either direction", () => {
    const snap = parseResults({
      results: { monthly: { for: 31, against: 3, total: 35 }, biweekly: { for: 16, against: 1, total: 12 } },
    });
    expect(snap.results.monthly).toEqual({ for: 31, against: 3, total: 35 });
    expect(snap.results.biweekly).toEqual({ for: 16, against: 1, total: 12 });
  });

  it("rejects an answer without results", () => {
    expect(() => parseResults({ detail: "boom" })).toThrow(/results/);
    expect(() => parseResults(null)).toThrow();
    expect(() => parseResults({ results: 5 })).toThrow();
  });
});

describe("driftNotice", () => {
  it("is null when the total is 찬성 + 반대", () => {
    expect(driftNotice({ for: 31, against: 3, total: 34 })).toBeNull();
    expect(driftNotice({ for: 0, against: 0, total: 0 })).toBeNull();
  });
  it("names the total and both counts when they disagree", () => {
    expect(driftNotice({ for: 31, against: 3, total: 35 })).toBe("총 35표 ≠ 찬성 31 + 반대 3: 집계를 맞추는 중입니다");
    expect(driftNotice({ for: 1200, against: 0, total: 1199 })).toBe(
      "총 1,199표 ≠ 찬성 1,200 + 반대 0: 집계를 맞추는 중입니다",
    );
  });
});

describe("splitPercent", () => {
  it("is 0/0 with no votes", () => {
    expect(splitPercent({ for: 0, against: 0, total: 0 })).toEqual({ for: 0, against: 0 });
  });
  it("always adds up to 100", () => {
    for (const [f, a] of [
      [1, 2],
      [2, 1],
      [1, 6],
      [333, 667],
      [1, 0],
    ] as const) {
      const pct = splitPercent({ for: f, against: a, total: f + a });
      expect(pct.for + pct.against).toBe(100);
    }
    expect(splitPercent({ for: 1, against: 2, total: 3 })).toEqual({ for: 33, against: 67 });
    expect(splitPercent({ for: 3, against: 1, total: 4 })).toEqual({ for: 75, against: 25 });
  });
});

describe("leader", () => {
  it("is nobody when no one voted", () => {
    const lead = leader(results([0, 0], [0, 0]));
    expect(lead).toMatchObject({ id: null, tie: false });
  });
  it("is the candidate with the higher net support", () => {
    expect(leader(results([31, 3], [16, 1])).id).toBe("monthly");
    expect(leader(results([5, 5], [2, 0])).id).toBe("biweekly");
    expect(leader(results([31, 3], [16, 1])).net).toEqual({ monthly: 28, biweekly: 15 });
  });
  it("breaks a net tie by more 찬성 votes", () => {
    expect(leader(results([3, 1], [4, 2])).id).toBe("biweekly");
  });
  it("reports a tie when net and 찬성 are equal", () => {
    expect(leader(results([2, 1], [2, 1]))).toMatchObject({ id: null, tie: true });
  });
  it("counts votes across both candidates", () => {
    expect(totalVotes(results([31, 3], [16, 1]))).toBe(51);
  });
  it("adds up the API's totals, not 찬성 + 반대", () => {
    const drifted = results([31, 3], [16, 1]);
    drifted.monthly.total = 35;
    expect(totalVotes(drifted)).toBe(52);
  });
});
