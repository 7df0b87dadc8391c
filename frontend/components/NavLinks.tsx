"use client";
/** The header's page links; the current page is marked with aria-current for screen readers and styling. */
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "투표하기" },
  { href: "/results", label: "실시간 결과" },
] as const;

export default function NavLinks() {
  const pathname = usePathname();
  return (
    <nav aria-label="주요 메뉴" className="site-nav">
      {LINKS.map((link) => (
        <Link key={link.href} href={link.href} aria-current={pathname === link.href ? "page" : undefined}>
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
