/** Component tests: the results view and the bar render the right numbers, ARIA values and outage state. */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import ProgressBar from "@/components/ProgressBar";
import { ResultsView } from "@/components/ResultsBoard";
import type { ResultsSnapshot } from "@/lib/results";

const snapshot: ResultsSnapshot = {
  results: { monthly: { for: 31, against: 3, total: 34 }, biweekly: { for: 16, against: 1, total: 17 } },
  source: "redis",
};
const at = new Date(2026, 0, 2, 9, 5, 7);

describe("ProgressBar", () => {
  it("is a labelled progressbar with aria values and the visible count and percentage", () => {
    const html = renderToStaticMarkup(<ProgressBar label="월 1회 찬성" kind="for" count={1234} percent={91} testId="bar-x" />);
    expect(html).toContain('role="progressbar"');
    expect(html).toContain('aria-label="월 1회 찬성"');
    expect(html).toContain('aria-valuenow="91"');
    expect(html).toContain('aria-valuemin="0"');
    expect(html).toContain('aria-valuemax="100"');
    expect(html).toContain('aria-valuetext="1234표, 91%"');
    expect(html).toContain("1,234");
    expect(html).toContain("width:91%");
  });
});

describe("ResultsView", () => {
  it("shows both candidates' bars, totals and the leader while live", () => {
    const html = renderToStaticMarkup(<ResultsView snapshot={snapshot} updatedAt={at} unreachable={false} />);
    expect(html.match(/role="progressbar"/g)).toHaveLength(4);
    expect(html).toContain('aria-valuenow="91"'); // 31 / 34
    expect(html).toContain('aria-valuenow="94"'); // 16 / 17
    expect(html).toContain("월 1회 안이 앞서고 있어요");
    expect(html).toContain('data-leader="monthly"');
    expect(html).toContain("전체 51표");
    expect(html).toContain("마지막 갱신 09:05:07");
    expect(html).toContain('data-stale="false"');
    expect(html).not.toContain("API 서버에 연결할 수 없습니다");
  });

  it("marks the numbers as stale and says the API is unreachable", () => {
    const html = renderToStaticMarkup(<ResultsView snapshot={snapshot} updatedAt={at} unreachable />);
    expect(html).toContain("API 서버에 연결할 수 없습니다");
    expect(html).toContain("09:05:07에 받은 마지막 값");
    expect(html).toContain('data-stale="true"');
    expect(html).toContain("연결 끊김");
  });

  it("says so when nothing could be loaded at all", () => {
    const html = renderToStaticMarkup(<ResultsView snapshot={null} updatedAt={null} unreachable />);
    expect(html).toContain("결과를 불러오지 못했습니다");
    expect(html).not.toContain('role="progressbar"');
  });

  it("shows a tie and an empty vote without a winner", () => {
    const tie: ResultsSnapshot = {
      results: { monthly: { for: 2, against: 1, total: 3 }, biweekly: { for: 2, against: 1, total: 3 } },
      source: null,
    };
    expect(renderToStaticMarkup(<ResultsView snapshot={tie} updatedAt={at} unreachable={false} />)).toContain(
      "두 안이 동률입니다",
    );
    const empty: ResultsSnapshot = {
      results: { monthly: { for: 0, against: 0, total: 0 }, biweekly: { for: 0, against: 0, total: 0 } },
      source: null,
    };
    expect(renderToStaticMarkup(<ResultsView snapshot={empty} updatedAt={at} unreachable={false} />)).toContain(
      "아직 투표가 없습니다",
    );
  });

  it("shows the API's total and a notice on the row whose total disagrees with 찬성 + 반대", () => {
    const drifted: ResultsSnapshot = {
      results: { ...snapshot.results, monthly: { for: 31, against: 3, total: 35 } },
      source: "redis",
    };
    const html = renderToStaticMarkup(<ResultsView snapshot={drifted} updatedAt={at} unreachable={false} />);
    expect(html).toMatch(/data-testid="total-monthly">35</);
    expect(html).toMatch(/data-testid="drift-monthly".*총 35표 ≠ 찬성 31 \+ 반대 3: 집계를 맞추는 중입니다/);
    expect(html).not.toContain('data-testid="drift-biweekly"');
    expect(html).toContain("전체 52표");
  });

  it("shows no drift notice while every total agrees", () => {
    const html = renderToStaticMarkup(<ResultsView snapshot={snapshot} updatedAt={at} unreachable={false} />);
    expect(html).not.toContain('data-testid="drift-');
    expect(html).not.toContain("≠");
  });

  it("notes when the API counted from PostgreSQL (Redis down)", () => {
    const html = renderToStaticMarkup(
      <ResultsView snapshot={{ ...snapshot, source: "postgresql" }} updatedAt={at} unreachable={false} />,
    );
    expect(html).toContain("PostgreSQL");
  });
});
