"""The vote page and the live results page in headless Chromium against the real stack and production build."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from browser_helpers import WAIT_MS, api_results, expect_results_page, vote, with_vote
from playwright.sync_api import BrowserContext, Page, expect


def test_vote_both_candidates_change_vote_and_results_move_live(
    context: BrowserContext, page: Page, api: httpx.Client, artifacts: Path
) -> None:
    console_errors: list[str] = []
    results_page = context.new_page()
    for tab in (page, results_page):
        tab.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    before = api_results(api)

    results_page.goto("/results")
    expect_results_page(results_page, before)
    results_page.evaluate("window.__votelabNoReload = true")

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("회식, 얼마나 자주 할까요?")
    voter_id = page.get_by_test_id("voter-id")
    expect(voter_id).to_have_text(re.compile(r"^anonymous-[a-z0-9]+$"))
    expect(page.get_by_test_id("current-monthly")).to_contain_text("아직 투표하지 않았어요")

    vote(page, "monthly", "for")
    expect(page.get_by_test_id("vote-success")).to_contain_text("월 1회")
    expect(page.get_by_test_id("vote-success").get_by_role("link", name="실시간 결과 보기")).to_have_attribute(
        "href", "/results"
    )
    expect(page.get_by_test_id("current-monthly")).to_contain_text("찬성")
    expect(page.get_by_role("button", name="월 1회에 찬성")).to_have_attribute("aria-pressed", "true")
    step1 = with_vote(before, "monthly", "for")
    expect_results_page(results_page, step1)

    vote(page, "biweekly", "against")
    expect(page.get_by_test_id("current-biweekly")).to_contain_text("반대")
    step2 = with_vote(step1, "biweekly", "against")
    expect_results_page(results_page, step2)

    # Change of mind: the same voter's monthly ballot moves from 찬성 to 반대; the total stays.
    vote(page, "monthly", "against")
    expect(page.get_by_test_id("current-monthly")).to_contain_text("반대")
    expect(page.get_by_role("button", name="월 1회에 찬성")).to_have_attribute("aria-pressed", "false")
    step3 = with_vote(step2, "monthly", "against", old="for")
    expect_results_page(results_page, step3)

    # The results page moved without a reload, shows a leader, and agrees with the API.
    assert results_page.evaluate("window.__votelabNoReload") is True
    assert api_results(api) == step3
    expect(results_page.get_by_test_id("leader")).to_contain_text(re.compile("앞서고 있어요|동률|아직 투표가 없습니다"))
    expect(results_page.get_by_test_id("live-status")).to_contain_text("실시간")

    # Bars carry progressbar semantics with values matching the visible percentage.
    bar = results_page.get_by_role("progressbar", name="월 1회 반대")
    percent = results_page.get_by_test_id("bar-monthly-against-percent").inner_text().rstrip("%")
    expect(bar).to_have_attribute("aria-valuenow", percent)
    expect(bar).to_have_attribute("aria-valuemin", "0")
    expect(bar).to_have_attribute("aria-valuemax", "100")

    # A reload keeps the anonymous voter and shows their current choices.
    same_voter = voter_id.inner_text()
    page.reload()
    expect(page.get_by_test_id("voter-id")).to_have_text(same_voter)
    expect(page.get_by_test_id("current-monthly")).to_contain_text("반대")
    expect(page.get_by_test_id("current-biweekly")).to_contain_text("반대")

    page.wait_for_timeout(400)  # let the bar transition settle for the picture
    results_page.wait_for_timeout(700)
    page.screenshot(path=str(artifacts / "vote-page.png"), full_page=True)
    results_page.screenshot(path=str(artifacts / "results-page.png"), full_page=True)
    assert console_errors == [], console_errors


def test_keyboard_voting_and_phone_layout(
    context: BrowserContext, page: Page, api: httpx.Client, artifacts: Path
) -> None:
    before = api_results(api)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(page.get_by_role("button", name="2주 1회에 찬성")).to_be_enabled()

    # Keyboard only: focus the button through the tab order and press Enter.
    button = page.get_by_role("button", name="2주 1회에 찬성")
    for _ in range(20):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    assert button.evaluate("el => el === document.activeElement"), "2주 1회 찬성 is not reachable with Tab"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("vote-success")).to_be_visible(timeout=WAIT_MS)
    expect(button).to_have_attribute("aria-pressed", "true")

    # Every button has an accessible name; nothing overflows a phone-width screen.
    for name in ("월 1회에 찬성", "월 1회에 반대", "2주 1회에 찬성", "2주 1회에 반대"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "vote-page-phone.png"), full_page=True)

    page.goto("/results")
    expect_results_page(page, with_vote(before, "biweekly", "for"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_role("progressbar")).to_have_count(4)
    page.wait_for_timeout(700)
    page.screenshot(path=str(artifacts / "results-page-phone.png"), full_page=True)
