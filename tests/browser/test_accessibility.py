"""Both pages pass axe-core's WCAG 2.1 AA rules at desktop and phone width, in the states colleagues see: the vote
page with both choices selected (찬성 on one candidate, 반대 on the other) and a confirmation, and the live results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_audit import describe_violations, run_axe
from browser_helpers import WAIT_MS, vote
from playwright.sync_api import Browser, Page, ViewportSize, expect

WIDTHS: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Browser, frontend: str) -> Iterator[tuple[str, Page]]:
    """A fresh profile at one width; bypass_csp lets axe's script tag run (see run_axe)."""
    ctx = browser.new_context(base_url=frontend, locale="ko-KR", viewport=WIDTHS[request.param], bypass_csp=True)
    yield request.param, ctx.new_page()
    ctx.close()


def _audit(page: Page, name: str, artifacts: Path) -> None:
    """Run axe, keep its counts in test-artifacts/axe/, and fail listing every violation."""
    results = run_axe(page)
    summary: dict[str, object] = {kind: len(results[kind]) for kind in ("violations", "passes", "incomplete")}
    summary["incomplete_rules"] = [item["id"] for item in results["incomplete"]]
    (artifacts / "axe").mkdir(exist_ok=True)
    (artifacts / "axe" / f"{name}.json").write_text(json.dumps(summary | {"violations_detail": results["violations"]}))
    assert results["violations"] == [], f"{name}: axe found WCAG 2.1 AA violations:\n" + describe_violations(
        results["violations"]
    )


def test_vote_page_has_no_wcag_violations(sized_page: tuple[str, Page], artifacts: Path) -> None:
    width, page = sized_page
    page.goto("/")
    vote(page, "monthly", "for")
    vote(page, "biweekly", "against")
    expect(page.get_by_test_id("current-monthly")).to_contain_text("찬성")
    expect(page.get_by_test_id("current-biweekly")).to_contain_text("반대")
    _audit(page, f"vote-{width}", artifacts)


def test_results_page_has_no_wcag_violations(sized_page: tuple[str, Page], artifacts: Path) -> None:
    width, page = sized_page
    page.goto("/results")
    expect(page.get_by_role("progressbar")).to_have_count(4, timeout=WAIT_MS)
    expect(page.get_by_test_id("live-status")).to_contain_text("실시간")
    page.wait_for_timeout(700)  # let the bars' width transition settle
    _audit(page, f"results-{width}", artifacts)
