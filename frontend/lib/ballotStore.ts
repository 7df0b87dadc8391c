/**
 * The voter's own recorded choices, kept in the browser so the vote page can show "현재 선택" after a reload.
 * Only votes the API accepted (202) are written here; the key includes the voter id.
 */
import { CANDIDATE_IDS, byCandidate, isVoteType, type CandidateId, type VoteType } from "./candidates";
import type { KeyValueStore } from "./voterId";

export type MyBallots = Record<CandidateId, VoteType | null>;

export function emptyBallots(): MyBallots {
  return byCandidate(() => null);
}

export function ballotsKey(voterId: string): string {
  return `votelab.ballots.${voterId}`;
}

export function loadBallots(store: KeyValueStore, voterId: string): MyBallots {
  const ballots = emptyBallots();
  let parsed: unknown;
  try {
    parsed = JSON.parse(store.getItem(ballotsKey(voterId)) ?? "null");
  } catch {
    return ballots;
  }
  if (typeof parsed !== "object" || parsed === null) return ballots;
  for (const id of CANDIDATE_IDS) {
    const value = (parsed as Record<string, unknown>)[id];
    if (isVoteType(value)) ballots[id] = value;
  }
  return ballots;
}

export function recordBallot(
  store: KeyValueStore,
  voterId: string,
  candidate: CandidateId,
  voteType: VoteType,
): MyBallots {
  const ballots = { ...loadBallots(store, voterId), [candidate]: voteType };
  store.setItem(ballotsKey(voterId), JSON.stringify(ballots));
  return ballots;
}
