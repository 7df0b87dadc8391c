/** The vocabulary is spelled once: the candidate list and every per-candidate shape follow CANDIDATE_IDS. */
import { describe, expect, it } from "vitest";
import { emptyBallots } from "@/lib/ballotStore";
import { CANDIDATE_IDS, CANDIDATES, byCandidate, candidateLabel } from "@/lib/candidates";

describe("candidates", () => {
  it("lists the candidates in CANDIDATE_IDS order with their labels", () => {
    expect(CANDIDATES.map((c) => c.id)).toEqual([...CANDIDATE_IDS]);
    expect(CANDIDATES.map((c) => candidateLabel(c.id))).toEqual(["월 1회", "2주 1회"]);
  });

  it("builds one entry per candidate id, in order", () => {
    expect(byCandidate((id) => id.length)).toEqual({ monthly: 7, biweekly: 8 });
    expect(Object.keys(byCandidate(() => 0))).toEqual([...CANDIDATE_IDS]);
    expect(emptyBallots()).toEqual({ monthly: null, biweekly: null });
  });
});
