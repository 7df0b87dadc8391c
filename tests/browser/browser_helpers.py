"""Small helpers shared by the browser tests: reading tallies from the API and from the results page."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

CANDIDATES = ("monthly", "biweekly")
WAIT_MS = 15_000


def api_results(api: httpx.Client) -> dict[str, dict[str, int]]:
    """The API's current tallies: {candidate: {"for": n, "against": n, "total": n}}."""
    response = api.get("/api/results")
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return {c: {k: int(body["results"][c][k]) for k in ("for", "against", "total")} for c in CANDIDATES}


def expect_results_page(page: Page, tallies: dict[str, dict[str, int]]) -> None:
    """Wait until the results page shows exactly these counts (it polls; no reload happens)."""
    for candidate, tally in tallies.items():
        expect(page.get_by_test_id(f"bar-{candidate}-for-count")).to_have_text(f"{tally['for']:,}", timeout=WAIT_MS)
        expect(page.get_by_test_id(f"bar-{candidate}-against-count")).to_have_text(
            f"{tally['against']:,}", timeout=WAIT_MS
        )
        expect(page.get_by_test_id(f"total-{candidate}")).to_have_text(f"{tally['total']:,}", timeout=WAIT_MS)


def with_vote(
    tallies: dict[str, dict[str, int]], candidate: str, new: str, old: str | None = None
) -> dict[str, dict[str, int]]:
    """Tallies after one voter votes `new` on candidate (replacing `old` if they had voted)."""
    result = {c: dict(t) for c, t in tallies.items()}
    result[candidate][new] += 1
    if old is None:
        result[candidate]["total"] += 1
    else:
        result[candidate][old] -= 1
    return result


def vote(page: Page, candidate: str, vote_type: str) -> None:
    """Click a vote button and wait for the confirmation that the API accepted it."""
    page.get_by_test_id(f"vote-{candidate}-{vote_type}").click()
    expect(page.get_by_test_id("vote-success")).to_be_visible(timeout=WAIT_MS)
