/**
 * The ballot's fixed vocabulary: the two 회식 frequencies and the two vote types, with their Korean labels.
 * The ids are the API's contract (candidate_id / vote_type); the labels are what colleagues see.
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

export const CANDIDATES: readonly CandidateInfo[] = [
  { id: "monthly", label: "월 1회", description: "한 달에 한 번, 여유 있게 모여요" },
  { id: "biweekly", label: "2주 1회", description: "2주에 한 번, 자주 얼굴 봐요" },
];

export const VOTE_TYPE_LABELS: Record<VoteType, string> = {
  for: "찬성",
  against: "반대",
};

export function candidateLabel(id: CandidateId): string {
  return CANDIDATES.find((c) => c.id === id)?.label ?? id;
}

export function isCandidateId(value: unknown): value is CandidateId {
  return typeof value === "string" && (CANDIDATE_IDS as readonly string[]).includes(value);
}

export function isVoteType(value: unknown): value is VoteType {
  return typeof value === "string" && (VOTE_TYPES as readonly string[]).includes(value);
}
