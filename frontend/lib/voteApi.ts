/**
 * Browser-side calls to the same-origin /api/* (the Next.js server forwards them to the API), via axios.
 * Never throws for HTTP or network failures: the answer is turned into a VoteOutcome / error for the page.
 */
import axios from "axios";
import type { CandidateId, VoteType } from "./candidates";
import { parseResults, type ResultsSnapshot } from "./results";
import { voteOutcome, type VoteOutcome } from "./voteOutcome";

const http = axios.create({
  baseURL: "/api",
  // The proxy may retry a connection failure for ~3 s and the API answers 503 within ~2 s.
  timeout: 10_000,
  validateStatus: () => true,
});

export interface Ballot {
  user_id: string;
  candidate_id: CandidateId;
  vote_type: VoteType;
}

/** One attempt to record a ballot; the key makes a retry of the same attempt count at most once. */
export async function submitVote(ballot: Ballot, idempotencyKey: string): Promise<VoteOutcome> {
  try {
    const response = await http.post("/vote", ballot, {
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
    });
    const retryAfter = response.headers["retry-after"];
    return voteOutcome({
      status: response.status,
      data: response.data,
      retryAfter: typeof retryAfter === "string" ? retryAfter : null,
    });
  } catch {
    return voteOutcome({});
  }
}

export class ResultsUnavailableError extends Error {}

/** Current tallies; throws ResultsUnavailableError when the API (or the proxy's link to it) fails. */
export async function fetchResults(signal?: AbortSignal): Promise<ResultsSnapshot> {
  let response;
  try {
    response = await http.get("/results", { signal, timeout: 4_000, headers: { "Cache-Control": "no-cache" } });
  } catch (err) {
    throw new ResultsUnavailableError(`results: no answer (${String(err)})`);
  }
  if (response.status !== 200) throw new ResultsUnavailableError(`results: HTTP ${response.status}`);
  try {
    return parseResults(response.data);
  } catch (err) {
    throw new ResultsUnavailableError(String(err));
  }
}
