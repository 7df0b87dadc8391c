import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { LogoIcon } from "@/components/Icons";
import NavLinks from "@/components/NavLinks";
import "./globals.css";

// Rendered per request: the CSP nonce differs on every answer, so pages cannot be prerendered once.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "회식 빈도 투표 · votelab", template: "%s · votelab" },
  description: "우리 팀 회식, 월 1회와 2주 1회 중 어느 쪽이 좋을까요? 익명으로 투표하고 실시간 결과를 확인하세요.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: "#f25c2a",
};

export default function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  return (
    <html lang="ko">
      <body>
        <a className="skip-link" href="#main">
          본문으로 건너뛰기
        </a>
        <header className="site-header">
          <div className="site-header__inner">
            <Link href="/" className="brand">
              <span className="brand__mark">
                <LogoIcon size={22} />
              </span>
              <span className="brand__name">회식 투표</span>
            </Link>
            <NavLinks />
          </div>
        </header>
        <main id="main" className="site-main">
          {children}
        </main>
        <footer className="site-footer">익명 투표입니다 · 이름이나 개인정보는 수집하지 않습니다</footer>
      </body>
    </html>
  );
}
