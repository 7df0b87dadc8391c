"use client";
/**
 * The live results page body: the overall leader, then per candidate the for/against bars and the total, all as
 * the API gave them; a candidate whose total is not 찬성 + 반대 carries a notice saying so.
 * When the API cannot be reached, a banner says so and the numbers are dimmed and labelled as the last known.
 */
import { CANDIDATES, VOTE_TYPES, VOTE_TYPE_LABELS, candidateLabel, type CandidateId, type VoteType } from "@/lib/candidates";
import { driftNotice, leader, splitPercent, totalVotes, type Results, type Tally } from "@/lib/results";
import { useLiveResults, type LiveResults } from "@/lib/useLiveResults";
import { AlertIcon, BallotIcon, ScaleIcon, TrophyIcon } from "./Icons";
import ProgressBar from "./ProgressBar";

function timeOf(date: Date | null): string {
  if (!date) return "-";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

export default function ResultsBoard() {
  return <ResultsView {...useLiveResults()} />;
}

/** The results as received (pure: the same input always renders the same page, for tests and for the hook). */
export function ResultsView({ snapshot, updatedAt, unreachable }: LiveResults) {
  const stale = unreachable && snapshot !== null;

  return (
    <div className="results-board" aria-busy={snapshot === null && !unreachable}>
      <div className={`live-status${unreachable ? " live-status--down" : ""}`} data-testid="live-status">
        <span className="live-status__dot" aria-hidden="true" />
        {unreachable ? (
          <span>연결 끊김 · 마지막 수신 {timeOf(updatedAt)}</span>
        ) : (
          <span>
            실시간 · 1초마다 자동 갱신 · 마지막 갱신 {timeOf(updatedAt)}
            {snapshot?.source === "postgresql" && " · 보조 저장소(PostgreSQL)에서 집계"}
          </span>
        )}
      </div>

      <div role="alert" data-testid="results-alert-region">
        {unreachable && (
          <div className="notice notice--error" data-testid="results-outage">
            <span className="notice__text">
              <AlertIcon className="notice__icon" />
              <strong>API 서버에 연결할 수 없습니다.</strong>{" "}
              {stale
                ? `아래 숫자는 ${timeOf(updatedAt)}에 받은 마지막 값이며 최신이 아닐 수 있습니다.`
                : "결과를 불러오지 못했습니다."}{" "}
              연결되면 자동으로 다시 갱신됩니다.
            </span>
          </div>
        )}
      </div>

      {snapshot === null && !unreachable && <p className="card loading">결과를 불러오는 중…</p>}

      {snapshot && (
        <div className={stale ? "results-body results-body--stale" : "results-body"} data-testid="results-body" data-stale={stale}>
          <LeaderCard results={snapshot.results} />
          <div className="candidate-grid">
            {CANDIDATES.map((candidate) => {
              const tally = snapshot.results[candidate.id];
              const pct = splitPercent(tally);
              const drift = driftNotice(tally);
              return (
                <section
                  key={candidate.id}
                  className="card result-card"
                  aria-labelledby={`result-${candidate.id}-title`}
                  data-testid={`result-${candidate.id}`}
                >
                  <div className="result-card__head">
                    <h2 id={`result-${candidate.id}-title`} className="candidate-card__title">
                      {candidate.label}
                    </h2>
                    <p className="result-card__total">
                      총 <strong data-testid={`total-${candidate.id}`}>{tally.total.toLocaleString("ko-KR")}</strong>표
                    </p>
                  </div>
                  {drift && (
                    <p className="notice notice--pending" data-testid={`drift-${candidate.id}`}>
                      <span className="notice__text">
                        <AlertIcon className="notice__icon" />
                        {drift}
                      </span>
                    </p>
                  )}
                  <ProgressBarPair candidateLabelText={candidate.label} id={candidate.id} tally={tally} pct={pct} />
                </section>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}

function ProgressBarPair({
  candidateLabelText,
  id,
  tally,
  pct,
}: {
  candidateLabelText: string;
  id: CandidateId;
  tally: Tally;
  pct: Record<VoteType, number>;
}) {
  return (
    <div className="bars">
      {VOTE_TYPES.map((type) => (
        <ProgressBar
          key={type}
          label={`${candidateLabelText} ${VOTE_TYPE_LABELS[type]}`}
          kind={type}
          count={tally[type]}
          percent={pct[type]}
          testId={`bar-${id}-${type}`}
        />
      ))}
    </div>
  );
}

function LeaderCard({ results }: { results: Results }) {
  const lead = leader(results);
  const total = totalVotes(results);
  const netText = CANDIDATES.map((c) => `${c.label} ${signed(lead.net[c.id])}`).join(", ");
  let headline: string;
  let detail: string;
  if (total === 0) {
    headline = "아직 투표가 없습니다";
    detail = "첫 번째 표를 던져 보세요!";
  } else if (lead.tie || lead.id === null) {
    headline = "두 안이 동률입니다";
    detail = `순찬성(찬성−반대): ${netText}`;
  } else {
    headline = `${candidateLabel(lead.id)} 안이 앞서고 있어요`;
    detail = `순찬성(찬성−반대): ${netText}`;
  }
  return (
    <section className="card leader-card" aria-label="현재 우세한 안" data-testid="leader" data-leader={lead.id ?? (lead.tie ? "tie" : "none")}>
      <span className="leader-card__icon">
        {total === 0 ? <BallotIcon size={30} /> : lead.tie || lead.id === null ? <ScaleIcon size={30} /> : <TrophyIcon size={30} />}
      </span>
      <div>
        <p className="leader-card__headline">{headline}</p>
        <p className="leader-card__detail">
          {detail} · 전체 {total.toLocaleString("ko-KR")}표
        </p>
      </div>
    </section>
  );
}
