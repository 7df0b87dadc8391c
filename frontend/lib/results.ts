/**
 * Pure results arithmetic for the results page: parsing the API's answer defensively, percentages that
 * always add up to 100, which frequency leads overall (by net support: 찬성 minus 반대), and a notice when a
 * candidate's total disagrees with its 찬성 + 반대 (shown as the API gave it, never corrected here).
 */
import { CANDIDATE_IDS, VOTE_TYPE_LABELS, byCandidate, type CandidateId, type VoteType } from "./candidates";

export type Tally = Record<VoteType, number> & { total: number };

export type Results = Record<CandidateId, Tally>;

export interface ResultsSnapshot {
  results: Results;
  /** Where the API read the numbers (e.g. "redis" or "postgresql"), when it says. */
  source: string | null;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

function tallyOf(entry: unknown): Tally {
  const obj = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
  return { for: count(obj.for), against: count(obj.against), total: count(obj.total) };
}

/** Accepts the API's JSON; missing candidates or fields count as zero; anything not an object is rejected. */
export function parseResults(body: unknown): ResultsSnapshot {
  if (typeof body !== "object" || body === null || !("results" in body)) {
    throw new Error("results: response has no 'results' object");
  }
  const raw = (body as { results: unknown }).results;
  if (typeof raw !== "object" || raw === null) throw new Error("results: 'results' is not an object");
  const results = byCandidate((id) => tallyOf((raw as Record<string, unknown>)[id]));
  const source = (body as { source?: unknown }).source;
  return { results, source: typeof source === "string" ? source : null };
}

/**
 * The notice for a candidate whose total is not its 찬성 + 반대 (the counters are mid-repair, e.g. Redis catching
 * up with PostgreSQL), or null when they agree. Saying so keeps a drift visible instead of hiding it.
 */
export function driftNotice(tally: Tally): string | null {
  if (tally.total === tally.for + tally.against) return null;
  const n = (value: number) => value.toLocaleString("ko-KR");
  return (
    `총 ${n(tally.total)}표 ≠ ${VOTE_TYPE_LABELS.for} ${n(tally.for)} + ${VOTE_TYPE_LABELS.against} ${n(tally.against)}: ` +
    "집계를 맞추는 중입니다"
  );
}

/** Whole-number percentages of for/against within one candidate; they add up to 100 (or both 0 with no votes). */
export function splitPercent(tally: Tally): Record<VoteType, number> {
  const sum = tally.for + tally.against;
  if (sum === 0) return { for: 0, against: 0 };
  const forPct = Math.round((tally.for / sum) * 100);
  return { for: forPct, against: 100 - forPct };
}

export interface Leader {
  /** The leading candidate, or null when nobody voted or the top two are tied. */
  id: CandidateId | null;
  tie: boolean;
  /** Net support (for - against) per candidate. */
  net: Record<CandidateId, number>;
}

/** Leads: the highest net support; ties on net support are broken by more 찬성 votes; still equal → tie. */
export function leader(results: Results): Leader {
  const net = byCandidate((id) => results[id].for - results[id].against);
  if (totalVotes(results) === 0) return { id: null, tie: false, net };
  const ranked = [...CANDIDATE_IDS].sort(
    (a, b) => net[b] - net[a] || results[b].for - results[a].for,
  );
  const [first, second] = ranked as [CandidateId, CandidateId];
  const tie = net[first] === net[second] && results[first].for === results[second].for;
  return { id: tie ? null : first, tie, net };
}

/** Votes on all candidates: the sum of the totals the API gave. */
export function totalVotes(results: Results): number {
  return CANDIDATE_IDS.reduce((acc, id) => acc + results[id].total, 0);
}
