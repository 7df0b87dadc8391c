"""With the API stopped the pages say so (no vote shown as recorded, no stale numbers shown as current);
after it returns, a retry of the same attempt counts exactly once and the results page recovers by itself."""

from __future__ import annotations

from pathlib import Path

import httpx
from browser_helpers import WAIT_MS, api_results, expect_results_page, with_vote
from playwright.sync_api import BrowserContext, Page, expect

from devstack.stack import Stack


def test_outage_message_and_retry_after_api_returns(
    api_running: Stack, context: BrowserContext, page: Page, api: httpx.Client, artifacts: Path
) -> None:
    stack = api_running
    results_page = context.new_page()
    baseline = api_results(api)
    page.goto("/")
    expect(page.get_by_test_id("vote-biweekly-against")).to_be_enabled()
    results_page.goto("/results")
    expect_results_page(results_page, baseline)

    stack.stop_api()

    # Results page: an outage banner, the numbers marked stale, the live indicator says disconnected.
    outage = results_page.get_by_test_id("results-outage")
    expect(outage).to_be_visible(timeout=WAIT_MS)
    expect(outage).to_contain_text("API 서버에 연결할 수 없습니다")
    expect(results_page.get_by_test_id("results-body")).to_have_attribute("data-stale", "true")
    expect(results_page.get_by_test_id("live-status")).to_contain_text("연결 끊김")

    # Vote page: the change is not shown as recorded; a retry is offered.
    page.get_by_test_id("vote-biweekly-against").click()
    error = page.get_by_test_id("vote-error")
    expect(error).to_be_visible(timeout=WAIT_MS)
    expect(error).to_contain_text("투표가 기록되지 않았습니다")
    expect(page.get_by_test_id("current-biweekly")).to_contain_text("아직 투표하지 않았어요")
    expect(page.get_by_test_id("vote-success")).to_have_count(0)
    page.screenshot(path=str(artifacts / "vote-page-outage.png"), full_page=True)
    results_page.screenshot(path=str(artifacts / "results-page-outage.png"), full_page=True)

    stack.start_api()

    # The retry re-sends the same attempt (same Idempotency-Key): it is accepted and counted once.
    page.get_by_test_id("vote-retry").click()
    expect(page.get_by_test_id("vote-success")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("current-biweekly")).to_contain_text("반대")
    expect(results_page.get_by_test_id("results-outage")).to_have_count(0, timeout=WAIT_MS)
    expected = with_vote(baseline, "biweekly", "against")
    expect_results_page(results_page, expected)
    expect(results_page.get_by_test_id("results-body")).to_have_attribute("data-stale", "false")
    assert api_results(api) == expected
