import VotePanel from "@/components/VotePanel";

export default function VotePage() {
  return (
    <>
      <section className="hero">
        <p className="hero__eyebrow">팀 회식 빈도 정하기</p>
        <h1 className="hero__title">회식, 얼마나 자주 할까요?</h1>
        <p className="hero__lead">
          두 가지 안에 각각 <strong>찬성</strong> 또는 <strong>반대</strong>를 골라 주세요. 한 번 투표한 뒤에도 언제든 마음을
          바꿀 수 있어요.
        </p>
      </section>
      <VotePanel />
    </>
  );
}
