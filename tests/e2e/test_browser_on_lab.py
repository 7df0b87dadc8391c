"""A person's path through the deployed lab: Chromium on http://<frontend>:3000 votes on both candidates, changes one
vote, and sees /results show it; then PostgreSQL on the PostgreSQL host, Redis on the Redis host, the consistency
check and the event on vote-events all agree with what the browser did."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labcheck import LabChecks
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

from tests.support.chromium import launch_chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


def shown(count: int) -> str:
    """A count as the Korean-locale page prints it (thousands grouped: 1,072)."""
    return f"{count:,}"


def vote(page: Page, candidate: str, vote_type: str) -> None:
    page.get_by_test_id(f"vote-{candidate}-{vote_type}").click()
    expect(page.get_by_test_id("vote-success")).to_be_visible(timeout=WAIT_MS)


@pytest.mark.timeout(300)
def test_vote_change_and_results_agree_everywhere(browser: Browser, frontend_url: str, healthy_lab: LabChecks) -> None:
    checks = healthy_lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    before = checks.pg_results()
    ctx = browser.new_context(base_url=frontend_url, locale="ko-KR")
    sent: list[dict[str, Any]] = []

    def remember(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/vote"):
            sent.append(json.loads(request.post_data or "{}"))

    page = ctx.new_page()
    page.on("request", remember)
    page.goto("/")
    vote(page, "monthly", "for")
    vote(page, "biweekly", "for")
    vote(page, "biweekly", "against")  # changes the earlier biweekly ballot
    page.screenshot(path=str(ARTIFACTS / "lab-vote-page.png"), full_page=True)

    voter = sent[0]["user_id"]
    assert voter.startswith("anonymous-") and {s["user_id"] for s in sent} == {voter}

    expected = {c: dict(t) for c, t in before.items()}
    expected["monthly"]["for"] += 1
    expected["monthly"]["total"] += 1
    expected["biweekly"]["against"] += 1
    expected["biweekly"]["total"] += 1

    results = ctx.new_page()
    results.goto("/results")
    for candidate, tally in expected.items():
        for vote_type in ("for", "against"):
            expect(results.get_by_test_id(f"bar-{candidate}-{vote_type}-count")).to_have_text(
                shown(tally[vote_type]), timeout=WAIT_MS
            )
        expect(results.get_by_test_id(f"total-{candidate}")).to_have_text(shown(tally["total"]), timeout=WAIT_MS)
    results.screenshot(path=str(ARTIFACTS / "lab-results-page.png"), full_page=True)
    ctx.close()

    # PostgreSQL on the PostgreSQL host: three events for this voter, two current ballots.
    ballots = checks.psql(f"SELECT candidate_id, vote_type FROM ballots WHERE user_id = '{voter}' ORDER BY 1")
    assert ballots == [["biweekly", "against"], ["monthly", "for"]]
    events = checks.psql(f"SELECT candidate_id, vote_type, status FROM vote_events WHERE user_id = '{voter}'")
    assert sorted(map(tuple, events)) == [
        ("biweekly", "against", "stored"),
        ("biweekly", "for", "stored"),
        ("monthly", "for", "stored"),
    ]
    # Redis on the Redis host holds the same counts, and the app's own check finds no drift.
    pg, rd = checks.wait_consistent()
    assert pg == rd == expected
    rc, report = checks.consistency()
    assert rc == 0, report

    # The event on vote-events has the documented format.
    vote_id = checks.psql(f"SELECT vote_id FROM vote_events WHERE user_id = '{voter}' AND candidate_id = 'monthly'")[0][
        0
    ]
    record = checks.read_event(vote_id)
    assert record is not None, f"vote {vote_id} not found on vote-events"
    assert record["key"] == voter
    value = record["value"]
    assert isinstance(value, dict)
    assert value.keys() == {"schema_version", "vote_id", "user_id", "candidate_id", "vote_type", "voted_at"}
    assert value["schema_version"] == 1
    assert (value["vote_id"], value["user_id"], value["candidate_id"], value["vote_type"]) == (
        vote_id,
        voter,
        "monthly",
        "for",
    )
