"use client";
/**
 * The vote page's interactive part: one card per candidate with 찬성/반대 buttons. A vote is shown as the
 * voter's choice only after the API accepted it (202); a failed attempt can be retried with the same
 * Idempotency-Key so the retry never counts twice.
 */
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { emptyBallots, loadBallots, recordBallot, type MyBallots } from "@/lib/ballotStore";
import { CANDIDATES, VOTE_TYPES, VOTE_TYPE_LABELS, candidateLabel, type CandidateId, type VoteType } from "@/lib/candidates";
import { submitVote } from "@/lib/voteApi";
import { AlertIcon, CheckIcon, ThumbDownIcon, ThumbUpIcon } from "./Icons";
import { canRetry } from "@/lib/voteOutcome";
import { loadOrCreateVoterId } from "@/lib/voterId";
import { randomUuid } from "@/lib/random";

interface Attempt {
  candidate: CandidateId;
  voteType: VoteType;
  idempotencyKey: string;
}

type Notice =
  | { kind: "success"; candidate: CandidateId; voteType: VoteType }
  | { kind: "error"; message: string; retry: Attempt | null };

export default function VotePanel() {
  const [voterId, setVoterId] = useState<string | null>(null);
  const [ballots, setBallots] = useState<MyBallots>(emptyBallots);
  const [sending, setSending] = useState<Attempt | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  useEffect(() => {
    const id = loadOrCreateVoterId(window.localStorage);
    setVoterId(id);
    setBallots(loadBallots(window.localStorage, id));
  }, []);

  const send = useCallback(
    async (attempt: Attempt) => {
      if (voterId === null) return;
      setSending(attempt);
      setNotice(null);
      const outcome = await submitVote(
        { user_id: voterId, candidate_id: attempt.candidate, vote_type: attempt.voteType },
        attempt.idempotencyKey,
      );
      if (outcome.kind === "accepted") {
        setBallots(recordBallot(window.localStorage, voterId, attempt.candidate, attempt.voteType));
        setNotice({ kind: "success", candidate: attempt.candidate, voteType: attempt.voteType });
      } else {
        setNotice({ kind: "error", message: outcome.message, retry: canRetry(outcome) ? attempt : null });
      }
      setSending(null);
    },
    [voterId],
  );

  const vote = (candidate: CandidateId, voteType: VoteType) =>
    void send({ candidate, voteType, idempotencyKey: randomUuid() });

  const busy = voterId === null || sending !== null;

  return (
    <div className="vote-panel">
      <div className="candidate-grid">
        {CANDIDATES.map((candidate) => {
          const current = ballots[candidate.id];
          return (
            <section
              key={candidate.id}
              className={`card candidate-card${current ? ` candidate-card--${current}` : ""}`}
              aria-labelledby={`candidate-${candidate.id}-title`}
              data-testid={`candidate-${candidate.id}`}
            >
              <div className="candidate-card__head">
                <h2 id={`candidate-${candidate.id}-title`} className="candidate-card__title">
                  {candidate.label}
                </h2>
                <p className="candidate-card__desc">{candidate.description}</p>
              </div>
              <p className="current-choice" data-testid={`current-${candidate.id}`} aria-live="polite">
                {current ? (
                  <>
                    내 선택: <span className={`chip chip--${current}`}>{VOTE_TYPE_LABELS[current]}</span>
                  </>
                ) : (
                  <span className="muted">아직 투표하지 않았어요</span>
                )}
              </p>
              <div className="choice-buttons" role="group" aria-label={`${candidate.label} 투표`}>
                {VOTE_TYPES.map((type) => {
                  const isSending = sending?.candidate === candidate.id && sending.voteType === type;
                  return (
                    <button
                      key={type}
                      type="button"
                      className={`choice choice--${type}${current === type ? " choice--selected" : ""}`}
                      aria-pressed={current === type}
                      aria-label={`${candidate.label}에 ${VOTE_TYPE_LABELS[type]}`}
                      disabled={busy}
                      onClick={() => vote(candidate.id, type)}
                      data-testid={`vote-${candidate.id}-${type}`}
                    >
                      {type === "for" ? <ThumbUpIcon className="choice__icon" /> : <ThumbDownIcon className="choice__icon" />}
                      {isSending ? "보내는 중…" : VOTE_TYPE_LABELS[type]}
                    </button>
                  );
                })}
              </div>
            </section>
          );
        })}
      </div>

      <div className="notice-area">
        <div role="status" aria-live="polite" data-testid="vote-status">
          {sending && (
            <p className="notice notice--pending">
              {candidateLabel(sending.candidate)} {VOTE_TYPE_LABELS[sending.voteType]} 투표를 보내는 중입니다…
            </p>
          )}
          {notice?.kind === "success" && (
            <p className="notice notice--success" data-testid="vote-success">
              <span className="notice__text">
                <CheckIcon className="notice__icon" />
                <strong>{candidateLabel(notice.candidate)}</strong>에 <strong>{VOTE_TYPE_LABELS[notice.voteType]}</strong>{" "}
                투표가 접수되었습니다.
              </span>
              <Link href="/results" className="notice__link">
                실시간 결과 보기 →
              </Link>
            </p>
          )}
        </div>
        <div role="alert" data-testid="vote-error-region">
          {notice?.kind === "error" && (
            <div className="notice notice--error" data-testid="vote-error">
              <span className="notice__text">
                <AlertIcon className="notice__icon" />
                {notice.message}
              </span>
              {notice.retry && (
                <button
                  type="button"
                  className="retry-button"
                  disabled={busy}
                  onClick={() => notice.retry && void send(notice.retry)}
                  data-testid="vote-retry"
                >
                  다시 시도
                </button>
              )}
            </div>
          )}
        </div>
      </div>

      <p className="voter-id">
        내 익명 투표자 ID: <code data-testid="voter-id">{voterId ?? "준비 중…"}</code>
        <br />
        <span className="muted">이 브라우저에 저장되며, 같은 안에 다시 투표하면 이전 선택이 바뀝니다.</span>
      </p>
    </div>
  );
}
