"""The pipeline end to end through the API, the broker and the consumer, into PostgreSQL and Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from devstack import Stack
from devstack.stack import REPO_ROOT
from tests.conftest import cast, new_voter, plus, results, wait_for, wait_for_results


@pytest.fixture
def raw_producer(stack: Stack) -> Iterator[KafkaProducer]:
    """Writes arbitrary bytes to the vote topic, like a buggy or replaying producer would."""
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all", enable_idempotence=True)
    yield producer
    producer.close()


def test_health_and_readiness(api: httpx.Client) -> None:
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["version"]
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"broker": "ok", "redis": "ok"}


def test_vote_is_stored_and_counted(api: httpx.Client, stack: Stack) -> None:
    before = results(api)
    response = cast(api, new_voter(), "monthly", "for")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted"
    vote_id = body["vote_id"]
    wait_for_results(api, plus(before, {"monthly": {"for": 1, "total": 1}}))
    state = wait_for(lambda: api.get(f"/api/votes/{vote_id}").json().get("status") == "stored" and
                     api.get(f"/api/votes/{vote_id}").json(), what="tracker says stored")  # fmt: skip
    assert {"accepted", "stored"} <= set(state["timestamps"])
    assert stack.query("SELECT status FROM vote_events WHERE vote_id = %s", vote_id) == [("stored",)]


def test_results_shape_includes_zeros(api: httpx.Client) -> None:
    data = api.get("/api/results").json()
    assert set(data["results"]) == {"monthly", "biweekly"}
    for row in data["results"].values():
        assert set(row) >= {"for", "against", "total"} and row["total"] == row["for"] + row["against"]
    assert data["source"] == "redis"


def test_changed_vote_moves_counts(api: httpx.Client) -> None:
    voter = new_voter()
    before = results(api)
    assert cast(api, voter, "biweekly", "for").status_code == 202
    wait_for_results(api, plus(before, {"biweekly": {"for": 1, "total": 1}}))
    assert cast(api, voter, "biweekly", "against").status_code == 202
    wait_for_results(api, plus(before, {"biweekly": {"against": 1, "total": 1}}))


def test_retried_post_with_idempotency_key_counts_once(api: httpx.Client) -> None:
    before = results(api)
    key = str(uuid.uuid4())
    voter = new_voter()
    first = cast(api, voter, "monthly", "against", key=key)
    second = cast(api, voter, "monthly", "against", key=key)
    assert first.status_code == second.status_code == 202
    assert first.json()["vote_id"] == second.json()["vote_id"] == key
    wait_for(lambda: api.get(f"/api/votes/{key}").json().get("timestamps", {}).get("duplicate"), what="duplicate")
    wait_for_results(api, plus(before, {"monthly": {"against": 1, "total": 1}}))  # a double count never matches


def test_redelivered_event_does_not_double_count(api: httpx.Client, stack: Stack, raw_producer: KafkaProducer) -> None:
    before = results(api)
    vote_id = str(uuid.uuid4())
    voter = new_voter()
    value = json.dumps(
        {"schema_version": 1, "vote_id": vote_id, "user_id": voter, "candidate_id": "biweekly",
         "vote_type": "against", "voted_at": datetime.now(UTC).isoformat()}
    ).encode()  # fmt: skip
    for _ in range(3):
        raw_producer.send("vote-events", key=voter.encode(), value=value).get(timeout=10)
    wait_for(lambda: api.get(f"/api/votes/{vote_id}").json().get("timestamps", {}).get("duplicate"), what="dup")
    wait_for_results(api, plus(before, {"biweekly": {"against": 1, "total": 1}}))
    assert stack.query("SELECT count(*) FROM vote_events WHERE vote_id = %s", vote_id) == [(1,)]


def dlq_records(stack: Stack) -> list[dict[str, object]]:
    consumer = KafkaConsumer(bootstrap_servers=stack.bootstrap_servers, consumer_timeout_ms=2000)
    partitions = [TopicPartition("vote-events-dlq", p) for p in consumer.partitions_for_topic("vote-events-dlq") or []]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    found = [json.loads(record.value) for record in consumer]
    consumer.close()
    return found


def reprocess_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.tools.reprocess", *args],
        env=stack.env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def test_malformed_message_goes_to_dlq_and_reprocess_after_fix_counts_once(
    api: httpx.Client, stack: Stack, raw_producer: KafkaProducer
) -> None:
    before = results(api)
    vote_id = str(uuid.uuid4())
    voter = new_voter()
    typo = json.dumps(
        {"schema_version": 1, "vote_id": vote_id, "user_id": voter, "candidate_id": "montly",
         "vote_type": "for", "voted_at": datetime.now(UTC).isoformat()}
    ).encode()  # fmt: skip
    garbage = b"{this is not json " + uuid.uuid4().hex.encode()
    raw_producer.send("vote-events", key=voter.encode(), value=typo).get(timeout=10)
    raw_producer.send("vote-events", key=b"x", value=garbage).get(timeout=10)

    wait_for(lambda: api.get(f"/api/votes/{vote_id}").json().get("status") == "dead_lettered", what="dead_lettered")
    state = api.get(f"/api/votes/{vote_id}").json()
    assert "candidate_id" in state["error"]
    dlq = wait_for(lambda: [r for r in dlq_records(stack) if r["vote_id"] == vote_id], what="DLQ record")
    assert dlq[0]["payload_text"] == typo.decode() and "candidate_id" in str(dlq[0]["error"])
    assert any(r["payload_text"] == garbage.decode() and "invalid JSON" in str(r["error"]) for r in dlq_records(stack))
    letter_id = int(stack.query("SELECT id FROM dead_letters WHERE vote_id = %s", vote_id)[0][0])  # type: ignore[call-overload]

    unfixed = reprocess_cli(stack, "--id", str(letter_id))
    assert unfixed.returncode == 2 and "candidate_id" in unfixed.stdout  # still invalid: not republished
    fixed = reprocess_cli(stack, "--id", str(letter_id), "--set", "candidate_id=monthly")
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["republished"] == [{"id": letter_id, "vote_id": vote_id}]
    wait_for_results(api, plus(before, {"monthly": {"for": 1, "total": 1}}))
    wait_for(
        lambda: stack.query("SELECT status FROM dead_letters WHERE id = %s", letter_id) == [("reprocessed",)],
        what="dead letter marked reprocessed",
    )
    again = reprocess_cli(stack, "--id", str(letter_id), "--set", "candidate_id=monthly")
    assert again.returncode == 0 and json.loads(again.stdout)["republished"] == []
    assert results(api) == plus(before, {"monthly": {"for": 1, "total": 1}})


def test_admin_endpoints(api: httpx.Client, admin_headers: dict[str, str]) -> None:
    report = api.get("/admin/consistency", headers=admin_headers)
    assert report.status_code == 200 and "consistent" in report.json()
    status = api.get("/admin/pipeline", headers=admin_headers, timeout=15).json()
    assert status["tracker"]["accepted"] >= 1
    assert status["postgresql"]["events_stored"] >= 1
    assert "total_lag" in status["consumer_lag"]
    assert api.post("/admin/consistency/repair", headers=admin_headers).status_code == 200
    replay = api.post("/admin/reprocess", headers=admin_headers, json={"ids": [-1]}, timeout=15)
    assert replay.status_code == 200 and replay.json() == {"republished": [], "still_invalid": []}


def test_metrics_count_accepted_votes(api: httpx.Client, stack: Stack) -> None:
    cast(api, new_voter(), "monthly", "for")
    text = api.get("/metrics").text
    accepted = [line for line in text.splitlines() if line.startswith("votelab_votes_accepted_total")]
    assert accepted and float(accepted[0].split()[-1]) >= 1
    assert "votelab_vote_publish_latency_seconds_bucket" in text
    for secret in stack.secrets.values():
        assert secret not in text


def test_metrics_count_every_results_read_cached_ones_too(api: httpx.Client) -> None:
    """Most polls are answered from the results cache before routing; the request counter still sees each one."""

    def results_reads() -> float:
        line = 'votelab_http_requests_total{method="GET",route="/api/results",status="200"}'
        found = [row for row in api.get("/metrics").text.splitlines() if row.startswith(line)]
        return float(found[0].split()[-1]) if found else 0.0

    before = results_reads()
    for _ in range(25):  # back to back: all but the first few fall inside the 50 ms cache window
        assert api.get("/api/results").status_code == 200
    assert results_reads() - before == 25
