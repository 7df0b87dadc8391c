"""Short outages while votes stream in: PostgreSQL, Redis and the broker stopped for a few seconds, the broker and
the consumer killed with SIGKILL. Afterwards the counts are exact: nothing lost, nothing counted twice. Each test
restarts what it stopped, so the stack is whole again for the next one. (The lab tests repeat these with 30 s outages.)
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from app.core.consistency import check
from app.core.kafka_admin import consumer_lag
from devstack import Stack
from tests.conftest import cast, new_voter, plus, results, wait_for, wait_for_results

pytestmark = pytest.mark.fault


@dataclass
class VoteStream:
    """Posts `count` first-time votes at `rate` per second in a thread, retrying 503s with the same
    Idempotency-Key (as the front end's proxy does); `delta` is what the counters must grow by."""

    api_url: str
    count: int
    rate: float
    delta: dict[str, dict[str, int]] = field(default_factory=dict)
    unavailable: int = 0
    thread: threading.Thread | None = None

    def start(self) -> VoteStream:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        with httpx.Client(base_url=self.api_url, timeout=5.0) as client:
            for i in range(self.count):
                candidate = ("monthly", "biweekly")[i % 2]
                vote_type = ("for", "against")[(i // 2) % 2]
                key, voter = str(uuid.uuid4()), new_voter("stream")
                for _attempt in range(60):
                    try:
                        status = cast(client, voter, candidate, vote_type, key=key).status_code
                    except httpx.TransportError:
                        status = 0
                    if status == 202:
                        break
                    self.unavailable += 1
                    time.sleep(0.5)
                else:
                    raise AssertionError(f"vote {key} never accepted")
                row = self.delta.setdefault(candidate, {"for": 0, "against": 0, "total": 0})
                row[vote_type] += 1
                row["total"] += 1
                time.sleep(1 / self.rate)

    def join(self) -> dict[str, dict[str, int]]:
        assert self.thread is not None
        self.thread.join(timeout=180)
        assert not self.thread.is_alive(), "vote stream did not finish"
        return self.delta


@pytest.fixture
def quiet(stack: Stack, api: httpx.Client) -> Iterator[dict[str, dict[str, int]]]:
    """Counts before the test, once the pipeline is idle and consistent."""
    wait_for(lambda: check(stack.settings()).consistent, what="consistent before the fault")
    yield results(api)
    wait_for(lambda: check(stack.settings()).consistent, 90, what="consistent after the fault")


def test_postgresql_outage_loses_nothing(stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]) -> None:
    stream = VoteStream(stack.api_url, count=240, rate=60).start()
    time.sleep(1)
    stack.stop_postgres()
    try:
        time.sleep(3)
    finally:
        stack.start_postgres()
    delta = stream.join()
    wait_for_results(api, plus(quiet, delta), timeout=90)


def test_redis_outage_serves_results_from_postgresql_then_repairs(
    stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]
) -> None:
    stack.stop_redis()
    try:
        during = api.get("/api/results")
        assert during.status_code == 200
        body = during.json()
        assert body["source"] == "postgresql" and body["degraded"] is True
        assert body["results"] == quiet
        ready = api.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "unreachable"
        stream = VoteStream(stack.api_url, count=40, rate=40).start()
        delta = stream.join()  # accepted: the broker is up; PostgreSQL keeps storing
        expected = plus(quiet, delta)
        wait_for(lambda: api.get("/api/results").json()["results"] == expected, 60, "PostgreSQL results catch up")
    finally:
        stack.start_redis()  # comes back empty: the consumer rebuilds the counters from PostgreSQL
    wait_for(lambda: api.get("/api/results").json()["source"] == "redis", what="Redis answers again")
    wait_for_results(api, expected, timeout=60)


def test_consumer_killed_while_redis_is_unreachable_counts_everything_after(
    stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]
) -> None:
    """Redis frozen (unreachable, but it keeps its counters), votes stored in PostgreSQL with their offsets committed,
    then the consumer is killed: the next consumer must still bring Redis up to date (PostgreSQL noted it is behind)."""
    stack.handles["redis"].send_signal(signal.SIGSTOP)
    try:
        delta = VoteStream(stack.api_url, count=8, rate=8).start().join()
        expected = plus(quiet, delta)
        wait_for_results(api, expected, timeout=60)  # answered from PostgreSQL while Redis is frozen
        wait_for(lambda: consumer_lag(stack.settings())["total_lag"] == 0, 60, "offsets committed")
        stack.kill_consumer()
    finally:
        stack.handles["redis"].send_signal(signal.SIGCONT)
    stack.start_consumer()
    wait_for(lambda: api.get("/api/results").json()["source"] == "redis", what="results from Redis again")
    wait_for_results(api, expected, timeout=60)


def test_broker_outage_is_503_then_recovers(stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]) -> None:
    """The broker stops just as a fresh consumer joins its group (kafka-python 3.0 then raises the refused connection
    out of poll(), which once killed the consumer in CI): the API refuses with 503, and afterwards the same consumer
    process stores the retried vote."""
    voter, key = new_voter(), str(uuid.uuid4())
    stack.stop_consumer()
    consumer = stack.start_consumer()
    stack.stop_broker()
    try:
        started = time.monotonic()
        refused = cast(api, voter, "monthly", "for", key=key)
        elapsed = time.monotonic() - started
        assert refused.status_code == 503, refused.text
        assert refused.json()["detail"]["error"] == "broker_unavailable"
        print(f"503 after {elapsed:.2f}s")
        ready = api.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unreachable"
    finally:
        stack.start_broker()
    wait_for(lambda: cast(api, voter, "monthly", "for", key=key).status_code == 202, 60, "202 after restart")
    wait_for_results(api, plus(quiet, {"monthly": {"for": 1, "total": 1}}), timeout=90)
    assert consumer.alive() and stack.handles["consumer"] is consumer, "the consumer died during the broker outage"


def test_consumer_sigkill_mid_stream_gives_exact_counts(
    stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]
) -> None:
    stream = VoteStream(stack.api_url, count=300, rate=100).start()
    time.sleep(1.2)
    stack.kill_consumer()
    time.sleep(0.5)
    stack.start_consumer()
    delta = stream.join()
    wait_for_results(api, plus(quiet, delta), timeout=90)


def test_consumer_sigterm_exits_zero_after_committing(
    stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]
) -> None:
    assert cast(api, new_voter(), "biweekly", "for").status_code == 202
    wait_for_results(api, plus(quiet, {"biweekly": {"for": 1, "total": 1}}))
    assert stack.stop_consumer() == 0
    stack.start_consumer()
    assert cast(api, new_voter(), "biweekly", "for").status_code == 202
    wait_for_results(api, plus(quiet, {"biweekly": {"for": 2, "total": 2}}))


def test_broker_sigkill_under_load_loses_no_accepted_vote(
    stack: Stack, api: httpx.Client, quiet: dict[str, dict[str, int]]
) -> None:
    """The broker killed mid-stream (no controlled shutdown) and started again: it recovers its log from disk, the
    producer's retries and the consumer's committed offsets carry on, and every accepted vote is counted once."""
    stream = VoteStream(stack.api_url, count=240, rate=40).start()
    time.sleep(1.5)
    stack.kill_broker()
    try:
        time.sleep(3)
    finally:
        stack.start_broker()
    delta = stream.join()
    wait_for_results(api, plus(quiet, delta), timeout=120)
