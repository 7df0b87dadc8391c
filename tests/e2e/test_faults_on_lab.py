"""Faults injected on the lab under a steady, bounded stream of votes through the front end.

After each fault: every vote the system accepted (202) is stored exactly once in PostgreSQL, and Redis equals
PostgreSQL. The one exception is stopping the lab's Tansu broker, which keeps its log in memory: that test
measures and reports what is lost instead (Apache Kafka's on-disk log would keep it).
A 503 is "not confirmed", not "not stored": a record the frozen broker received before the publish timeout is
still stored once it resumes; such votes are counted at most once and reported as stored_after_503.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from labcheck import LabChecks
from stream import StreamResult, VoteStream

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "e2e" / "faults.json"
OUTAGE_S = 30.0
RATE = 20.0


@dataclass(frozen=True)
class Fault:
    """Break something for OUTAGE_S (or at once), then undo it."""

    name: str
    inject: Callable[[LabChecks], None]
    recover: Callable[[LabChecks], None]
    during: Callable[[LabChecks, str], None] = lambda checks, url: None


def _unit(checks_attr: str, unit: str, *argv: str) -> Callable[[LabChecks], None]:
    return lambda c: getattr(c, checks_attr).systemctl(*argv, unit) and None


def _results_still_served(checks: LabChecks, frontend_url: str) -> None:
    body = httpx.get(f"{frontend_url}/api/results", timeout=10).json()
    assert set(body["results"]) == {"monthly", "biweekly"}, body


def _restart_vm(checks: LabChecks) -> None:
    subprocess.run(["podman", "restart", "-t", "20", checks.consumer_host.container], check=True, timeout=120)


FAULTS = [
    Fault(
        "postgresql stopped",
        _unit("pg_host", "postgresql@15-main", "stop"),
        _unit("pg_host", "postgresql@15-main", "start"),
    ),
    Fault(
        "redis stopped",
        _unit("redis_host", "redis-server", "stop"),
        _unit("redis_host", "redis-server", "start"),
        during=_results_still_served,
    ),
    Fault("consumer SIGKILL", _unit("consumer_host", "votelab-consumer", "kill", "-s", "SIGKILL"), lambda c: None),
    Fault(
        "broker frozen",
        _unit("kafka_host", "kafka", "kill", "-s", "SIGSTOP"),
        _unit("kafka_host", "kafka", "kill", "-s", "SIGCONT"),
    ),
    Fault("consumer host restarted", _restart_vm, lambda c: None),
]


def record(name: str, result: StreamResult, **extra: object) -> None:
    """Append this fault's figures to test-artifacts/e2e/faults.json (the closing note quotes them)."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data[name] = {"sent": result.sent, "accepted": len(result.accepted), "outcomes": dict(result.outcomes), **extra}
    REPORT.write_text(json.dumps(data, indent=2, sort_keys=True))


def run_stream_with(fault: Fault, checks: LabChecks, frontend_url: str) -> tuple[VoteStream, StreamResult]:
    with VoteStream(frontend_url, rate=RATE, max_votes=int(RATE * (OUTAGE_S + 60)), max_seconds=OUTAGE_S + 60) as s:
        time.sleep(5)
        fault.inject(checks)
        time.sleep(OUTAGE_S / 2)
        fault.during(checks, frontend_url)
        time.sleep(OUTAGE_S / 2)
        fault.recover(checks)
        checks.wait_healthy()
        time.sleep(5)
        result = s.stop()
    return s, result


@pytest.mark.timeout(600)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name.replace(" ", "-") for f in FAULTS])
def test_every_accepted_vote_is_stored_exactly_once(fault: Fault, healthy_lab: LabChecks, frontend_url: str) -> None:
    checks = healthy_lab
    stream, result = run_stream_with(fault, checks, frontend_url)
    assert len(result.accepted) > RATE * 5, f"too few votes accepted to prove anything: {result.outcomes}"

    stored = checks.wait_stored(stream.voter_prefix, result.accepted)
    missing = set(result.accepted) - set(stored)
    assert not missing, f"{len(missing)} accepted votes never stored (of {len(result.accepted)})"
    assert len(stored) == len(set(stored)), "a vote was stored twice"
    late = set(stored) - set(result.accepted)
    assert late <= result.unconfirmed, "a vote that was never sent was stored"

    pg, rd = checks.wait_consistent()
    assert pg == rd, f"Redis {rd} != PostgreSQL {pg}"
    rc, report = checks.consistency()
    assert rc == 0, report
    record(fault.name, result, stored=len(stored), lost=0, stored_after_503=len(late))


@pytest.mark.timeout(600)
def test_broker_stopped_recovers_and_reports_what_memory_storage_loses(
    healthy_lab: LabChecks, frontend_url: str
) -> None:
    """A real stop of the lab's in-memory broker loses what the consumer had not read yet; the system must still
    recover by itself: topics re-created, new votes stored, Redis equal to PostgreSQL."""
    checks = healthy_lab
    fault = Fault("broker stopped", _unit("kafka_host", "kafka", "stop"), _unit("kafka_host", "kafka", "start"))
    stream, result = run_stream_with(fault, checks, frontend_url)
    assert result.outcomes.get("503", 0) > 0, f"the API never answered 503 while the broker was down: {result.outcomes}"

    stored = checks.wait_stored(stream.voter_prefix, result.accepted, timeout=60)
    lost = set(result.accepted) - set(stored)
    assert len(stored) == len(set(stored)), "a vote was stored twice"

    # After the restart the pipeline works again: a fresh burst is stored completely.
    with VoteStream(frontend_url, rate=RATE, max_votes=100, max_seconds=30) as after:
        time.sleep(5)
        fresh = after.stop()
    fresh_stored = checks.wait_stored(after.voter_prefix, fresh.accepted)
    assert fresh.accepted and set(fresh.accepted) <= set(fresh_stored)
    pg, rd = checks.wait_consistent()
    assert pg == rd, f"Redis {rd} != PostgreSQL {pg}"
    record(fault.name, result, stored=len(stored), lost=len(lost))
