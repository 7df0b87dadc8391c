/**
 * The ballot's fixed vocabulary: the two 회식 frequencies and the two vote types, with their Korean labels.
 * The ids are the API's contract (candidate_id / vote_type) and are spelled only here: every per-candidate or
 * per-type shape is typed against them (tests/unit/test_vocabulary_agrees.py checks them against Python and SQL).
 */
export const CANDIDATE_IDS = ["monthly", "biweekly"] as const;
export type CandidateId = (typeof CANDIDATE_IDS)[number];

export const VOTE_TYPES = ["for", "against"] as const;
export type VoteType = (typeof VOTE_TYPES)[number];

export interface CandidateInfo {
  id: CandidateId;
  label: string;
  description: string;
}

const CANDIDATE_TEXT: Record<CandidateId, Omit<CandidateInfo, "id">> = {
  monthly: { label: "월 1회", description: "한 달에 한 번, 여유 있게 모여요" },
  biweekly: { label: "2주 1회", description: "2주에 한 번, 자주 얼굴 봐요" },
};

/** The candidates in ballot order, as the pages list them. */
export const CANDIDATES: readonly CandidateInfo[] = CANDIDATE_IDS.map((id) => ({ id, ...CANDIDATE_TEXT[id] }));

export const VOTE_TYPE_LABELS: Record<VoteType, string> = {
  for: "찬성",
  against: "반대",
};

/** One value per candidate, so no shape keyed by candidate spells the ids again. */
export function byCandidate<T>(value: (id: CandidateId) => T): Record<CandidateId, T> {
  return Object.fromEntries(CANDIDATE_IDS.map((id) => [id, value(id)])) as Record<CandidateId, T>;
}

export function candidateLabel(id: CandidateId): string {
  return CANDIDATE_TEXT[id].label;
}

export function isVoteType(value: unknown): value is VoteType {
  return typeof value === "string" && (VOTE_TYPES as readonly string[]).includes(value);
}
