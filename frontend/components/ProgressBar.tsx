/** An accessible horizontal bar: role=progressbar with aria values, plus the visible count and percentage. */
import type { VoteType } from "@/lib/candidates";

interface Props {
  label: string;
  kind: VoteType;
  count: number;
  percent: number;
  testId: string;
}

export default function ProgressBar({ label, kind, count, percent, testId }: Props) {
  return (
    <div className={`bar bar--${kind}`}>
      <div className="bar__legend">
        <span className="bar__label">{label}</span>
        <span className="bar__numbers">
          <strong data-testid={`${testId}-count`}>{count.toLocaleString("ko-KR")}</strong>표
          <span className="bar__percent" data-testid={`${testId}-percent`}>
            {percent}%
          </span>
        </span>
      </div>
      <div
        className="bar__track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${count}표, ${percent}%`}
        data-testid={testId}
      >
        <div className="bar__fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
