/**
 * Maps the API's answer to a vote into what the page tells the voter. Only a 202 counts as recorded:
 * every other answer (or no answer) says the vote was NOT recorded, and says whether retrying makes sense.
 */
export type VoteOutcome =
  | { kind: "accepted"; voteId: string }
  | { kind: "invalid"; message: string; fields: string[] }
  | { kind: "too_large"; message: string }
  | { kind: "rate_limited"; message: string; retryAfterSeconds: number | null }
  | { kind: "unavailable"; message: string }
  | { kind: "failed"; message: string };

/** What came back from one POST /api/vote attempt; status is undefined when no HTTP answer arrived. */
export interface VoteAnswer {
  status?: number;
  data?: unknown;
  retryAfter?: string | null;
}

const FIELD_LABELS: Record<string, string> = {
  user_id: "투표자 ID",
  candidate_id: "후보",
  vote_type: "투표 유형",
  body: "요청 내용",
};

const NOT_RECORDED = "투표가 기록되지 않았습니다.";

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

/** The field names a FastAPI-style 422 body names: the last string element of each error's "loc". */
export function invalidFields(data: unknown): string[] {
  if (typeof data !== "object" || data === null) return [];
  const detail = (data as { detail?: unknown }).detail;
  if (!Array.isArray(detail)) return [];
  const fields: string[] = [];
  for (const item of detail) {
    const loc = typeof item === "object" && item !== null ? (item as { loc?: unknown }).loc : undefined;
    if (!Array.isArray(loc)) continue;
    const name = [...loc].reverse().find((part): part is string => typeof part === "string" && part !== "body");
    const field = name ?? (loc.includes("body") ? "body" : undefined);
    if (field && !fields.includes(field)) fields.push(field);
  }
  return fields;
}

/** Retry-After as whole seconds (delta-seconds form only; an HTTP date is treated as unknown). */
export function parseRetryAfter(value: string | null | undefined): number | null {
  if (!value) return null;
  const seconds = Number(value.trim());
  return Number.isInteger(seconds) && seconds >= 0 ? seconds : null;
}

export function voteOutcome(answer: VoteAnswer): VoteOutcome {
  const { status, data } = answer;
  if (status === undefined) {
    return { kind: "unavailable", message: `서버에 연결하지 못해 ${NOT_RECORDED} 네트워크를 확인한 뒤 다시 시도해 주세요.` };
  }
  if (status === 202 || status === 200) {
    const voteId = typeof data === "object" && data !== null ? (data as { vote_id?: unknown }).vote_id : undefined;
    if (typeof voteId === "string" && voteId.length > 0) return { kind: "accepted", voteId };
    return { kind: "failed", message: `서버 응답을 이해하지 못해 ${NOT_RECORDED} 다시 시도해 주세요.` };
  }
  if (status === 422) {
    const fields = invalidFields(data);
    const named = fields.length > 0 ? fields.map(fieldLabel).join(", ") : "요청";
    return { kind: "invalid", fields, message: `입력값이 올바르지 않아 ${NOT_RECORDED} (문제 항목: ${named})` };
  }
  if (status === 413) {
    return { kind: "too_large", message: `요청이 너무 커서 ${NOT_RECORDED}` };
  }
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(answer.retryAfter);
    const wait = retryAfterSeconds !== null ? `${retryAfterSeconds}초 후에` : "잠시 후";
    return { kind: "rate_limited", retryAfterSeconds, message: `요청이 너무 많아 ${NOT_RECORDED} ${wait} 다시 시도해 주세요.` };
  }
  if (status === 502 || status === 503 || status === 504) {
    return { kind: "unavailable", message: `투표 서버가 일시적으로 응답하지 않아 ${NOT_RECORDED} 잠시 후 다시 시도해 주세요.` };
  }
  return { kind: "failed", message: `서버 오류(${status})로 ${NOT_RECORDED} 다시 시도해 주세요.` };
}

/** Whether the page should offer "다시 시도" (same attempt, same Idempotency-Key). */
export function canRetry(outcome: VoteOutcome): boolean {
  return outcome.kind === "unavailable" || outcome.kind === "failed" || outcome.kind === "rate_limited";
}
