import { describe, expect, it } from "vitest";
import { canRetry, invalidFields, parseRetryAfter, voteOutcome } from "@/lib/voteOutcome";

describe("voteOutcome", () => {
  it("counts only a 202 with a vote id as recorded", () => {
    expect(voteOutcome({ status: 202, data: { vote_id: "v1", status: "accepted" } })).toEqual({ kind: "accepted", voteId: "v1" });
    const odd = voteOutcome({ status: 202, data: "<html>" });
    expect(odd.kind).toBe("failed");
  });

  it("names the invalid fields of a 422 in Korean", () => {
    const outcome = voteOutcome({
      status: 422,
      data: { detail: [{ loc: ["body", "candidate_id"], msg: "Input should be 'monthly' or 'biweekly'" }] },
    });
    expect(outcome.kind).toBe("invalid");
    if (outcome.kind !== "invalid") throw new Error("unreachable");
    expect(outcome.fields).toEqual(["candidate_id"]);
    expect(outcome.message).toContain("후보");
    expect(outcome.message).toContain("기록되지 않았습니다");
    expect(canRetry(outcome)).toBe(false);
  });

  it("says a 503, a proxy 502/504 or no answer was not recorded, and offers a retry", () => {
    for (const answer of [{ status: 503, data: { detail: "broker unavailable" } }, { status: 502 }, { status: 504 }, {}]) {
      const outcome = voteOutcome(answer);
      expect(outcome.kind).toBe("unavailable");
      expect(outcome.kind !== "accepted" && outcome.message).toContain("기록되지 않았습니다");
      expect(canRetry(outcome)).toBe(true);
    }
  });

  it("maps 413 and 429 (with Retry-After) and unknown errors", () => {
    expect(voteOutcome({ status: 413 }).kind).toBe("too_large");
    const limited = voteOutcome({ status: 429, retryAfter: "3" });
    expect(limited).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 3 });
    expect(limited.kind !== "accepted" && limited.message).toContain("3초 후에");
    const broken = voteOutcome({ status: 500 });
    expect(broken.kind).toBe("failed");
    expect(canRetry(broken)).toBe(true);
  });
});

describe("invalidFields", () => {
  it("collects unique field names from FastAPI error locations", () => {
    expect(
      invalidFields({
        detail: [
          { loc: ["body", "user_id"], msg: "too long" },
          { loc: ["body", "vote_type"], msg: "bad" },
          { loc: ["body", "user_id"], msg: "again" },
          { loc: ["body"], msg: "invalid json" },
        ],
      }),
    ).toEqual(["user_id", "vote_type", "body"]);
  });
  it("returns nothing for non-FastAPI bodies", () => {
    expect(invalidFields({ detail: "nope" })).toEqual([]);
    expect(invalidFields(null)).toEqual([]);
  });
});

describe("parseRetryAfter", () => {
  it("accepts delta seconds only", () => {
    expect(parseRetryAfter("10")).toBe(10);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});
