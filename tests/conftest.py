"""Shared fixtures: a session-scoped loopback stack (PostgreSQL 15, Redis 7, ZooKeeper, Apache Kafka 3.9, API,
consumer) on the test ports, HTTP helpers and polling helpers. The stack starts only when a test asks for it, with its
own state dir, so it never collides with a running `make dev`. tests/browser uses `stack` and `api` too.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import TEST_PORTS, Stack, fresh_stack

TEST_STATE_DIR = Path(os.environ.get("VOTELAB_TEST_STATE_DIR", f"/tmp/votelab-test-{os.getpid()}"))
# Where the stack's logs are copied when the session ends (the state dir itself is removed); unset: not kept.
TEST_LOG_COPY = os.environ.get("VOTELAB_TEST_KEEP_LOGS")


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The whole pipeline, started once per test session and removed afterwards."""
    keep_logs_in = Path(TEST_LOG_COPY) if TEST_LOG_COPY else None
    with fresh_stack(TEST_STATE_DIR, TEST_PORTS, keep_logs_in=keep_logs_in) as test_stack:
        yield test_stack


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    """HTTP client of the stack's API (5 s timeout: the API answers 503 within about 2 s when the broker is gone)."""
    with httpx.Client(base_url=stack.api_url, timeout=5.0) as client:
        yield client


@pytest.fixture
def admin_headers(stack: Stack) -> dict[str, str]:
    """Authorization header for the admin endpoints."""
    return {"Authorization": f"Bearer {stack.admin_token}"}


def new_voter(prefix: str = "anonymous") -> str:
    """A user id nobody used before."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def cast(api: httpx.Client, user_id: str, candidate: str, vote_type: str, key: str | None = None) -> httpx.Response:
    """POST /api/vote."""
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(
        "/api/vote", json={"user_id": user_id, "candidate_id": candidate, "vote_type": vote_type}, headers=headers
    )


def results(api: httpx.Client) -> dict[str, dict[str, int]]:
    """The results part of GET /api/results."""
    response = api.get("/api/results")
    assert response.status_code == 200, response.text
    data: dict[str, dict[str, int]] = response.json()["results"]
    return data


def plus(base: dict[str, dict[str, int]], delta: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """base + delta per candidate and field (missing delta fields count as zero)."""
    return {c: {k: v + delta.get(c, {}).get(k, 0) for k, v in row.items()} for c, row in base.items()}


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll until predicate returns something truthy; fail with `what` and the last value after timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (httpx.HTTPError, AssertionError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; last value: {last!r}")


def wait_for_results(api: httpx.Client, expected: dict[str, dict[str, int]], timeout: float = 60.0) -> None:
    """Wait until GET /api/results equals expected."""

    def match() -> bool:
        return results(api) == expected

    wait_for(match, timeout, f"results == {expected}")
