import type { Metadata } from "next";
import ResultsBoard from "@/components/ResultsBoard";

export const metadata: Metadata = { title: "실시간 결과" };

export default function ResultsPage() {
  return (
    <>
      <section className="hero hero--compact">
        <p className="hero__eyebrow">실시간 집계</p>
        <h1 className="hero__title">투표 결과</h1>
        <p className="hero__lead">새 투표가 집계되면 새로고침하지 않아도 자동으로 반영됩니다.</p>
      </section>
      <ResultsBoard />
    </>
  );
}
