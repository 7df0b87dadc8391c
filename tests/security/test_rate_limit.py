"""POST /api/vote rate limit on a real API process and Redis: 429 with Retry-After over the limit, per client as
seen through a trusted proxy only, nothing published for a refused vote, and fail-open (counted) when Redis is down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from devstack import Stack
from tests.conftest import new_voter
from tests.security.conftest import start_extra_api

LIMIT = 5
WINDOW_S = 3600  # long, so a test never straddles two windows (see fresh_window)
PROXIED_PORT = 8301
DIRECT_PORT = 8302


def vote(client: httpx.Client, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    body = {"user_id": new_voter(), "candidate_id": "monthly", "vote_type": "for"}
    return client.post("/api/vote", json=body, headers=headers)


def metric(client: httpx.Client, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def fresh_window() -> None:
    """Wait out the end of a fixed window when it is less than 20 s away, so the counted votes share one window."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < 20:
        time.sleep(left + 0.5)


@pytest.fixture(scope="module")
def proxied(stack: Stack) -> Iterator[httpx.Client]:
    """An API that trusts 127.0.0.1 as its front-end proxy, with a low limit."""
    env = {
        "VOTELAB_RATE_LIMIT_VOTES": str(LIMIT),
        "VOTELAB_RATE_LIMIT_WINDOW_S": str(WINDOW_S),
        "VOTELAB_TRUSTED_PROXIES": "127.0.0.1/32",
    }
    start_extra_api(stack, "api-proxied", PROXIED_PORT, **env)
    with httpx.Client(base_url=f"http://127.0.0.1:{PROXIED_PORT}", timeout=5) as client:
        yield client
    stack.stop("api-proxied")


@pytest.fixture(scope="module")
def direct(stack: Stack) -> Iterator[httpx.Client]:
    """An API with a low limit and no trusted proxy: X-Forwarded-For must be ignored."""
    env = {"VOTELAB_RATE_LIMIT_VOTES": str(LIMIT), "VOTELAB_RATE_LIMIT_WINDOW_S": str(WINDOW_S)}
    start_extra_api(stack, "api-direct", DIRECT_PORT, **env)
    with httpx.Client(base_url=f"http://127.0.0.1:{DIRECT_PORT}", timeout=5) as client:
        yield client
    stack.stop("api-direct")


def test_over_the_limit_answers_429_with_retry_after(proxied: httpx.Client) -> None:
    fresh_window()
    accepted_before = metric(proxied, "votelab_votes_accepted_total")
    answers = [vote(proxied, "198.51.100.10") for _ in range(LIMIT + 3)]
    assert [a.status_code for a in answers] == [202] * LIMIT + [429] * 3
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["detail"]["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_S
    # refused votes were never published
    assert metric(proxied, "votelab_votes_accepted_total") - accepted_before == LIMIT
    assert metric(proxied, "votelab_votes_rate_limited_total") >= 3


def test_each_client_behind_the_trusted_proxy_has_its_own_budget(proxied: httpx.Client) -> None:
    fresh_window()
    for _ in range(LIMIT):
        assert vote(proxied, "198.51.100.20").status_code == 202
    assert vote(proxied, "198.51.100.20").status_code == 429
    assert vote(proxied, "198.51.100.21").status_code == 202
    # only the last hop (added by the proxy) counts: a client cannot escape by prepending made-up hops
    assert vote(proxied, "203.0.113.99, 198.51.100.20").status_code == 429


def test_concurrent_votes_of_one_client_are_counted_exactly(proxied: httpx.Client) -> None:
    """Concurrent votes share one limiter script call (group commit); each still gets its own count, so exactly
    LIMIT of a simultaneous burst pass, whichever they are."""
    fresh_window()
    burst = 4 * LIMIT

    async def send_burst() -> list[int]:
        async with httpx.AsyncClient(base_url=str(proxied.base_url), timeout=10) as client:
            ballot = {"candidate_id": "biweekly", "vote_type": "against"}
            headers = {"X-Forwarded-For": "198.51.100.40"}
            votes = [
                client.post("/api/vote", json={**ballot, "user_id": new_voter()}, headers=headers) for _ in range(burst)
            ]
            answers = await asyncio.gather(*votes)
        return sorted(a.status_code for a in answers)

    assert asyncio.run(send_burst()) == [202] * LIMIT + [429] * (burst - LIMIT)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(direct: httpx.Client) -> None:
    fresh_window()
    codes = [vote(direct, f"198.51.100.{30 + i}").status_code for i in range(LIMIT + 2)]
    assert codes == [202] * LIMIT + [429] * 2


def test_votes_are_accepted_when_the_limiter_redis_is_down(stack: Stack, direct: httpx.Client) -> None:
    fresh_window()
    while vote(direct).status_code != 429:
        pass  # spend this client's budget
    failed_open_before = metric(direct, "votelab_rate_limit_fail_open_total")
    stack.stop_redis()
    try:
        codes = [vote(direct).status_code for _ in range(3)]
        assert codes == [202] * 3, "a limiter outage must not refuse votes"
        assert metric(direct, "votelab_rate_limit_fail_open_total") - failed_open_before == 3
    finally:
        stack.start_redis()
    log = stack.handles["api-direct"].log_path.read_text(errors="replace")
    assert "rate_limit_fail_open" in log
