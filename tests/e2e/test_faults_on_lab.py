"""Faults injected on the lab under a steady, bounded stream of votes through the front end.

After each fault: every vote the system accepted (202) is stored exactly once in PostgreSQL, and Redis equals
PostgreSQL. The broker is Apache Kafka with its log on disk, so stopping, killing or freezing it, losing ZooKeeper,
restarting the whole of vm2 or cutting vm3 off from vm2 loses no accepted vote.
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
    outage_s: float = OUTAGE_S


def _unit(checks_attr: str, unit: str, *argv: str) -> Callable[[LabChecks], None]:
    return lambda c: getattr(c, checks_attr).systemctl(*argv, unit) and None


def _results_still_served(checks: LabChecks, frontend_url: str) -> None:
    body = httpx.get(f"{frontend_url}/api/results", timeout=10).json()
    assert set(body["results"]) == {"monthly", "biweekly"}, body


def _restart_vm(group: str) -> Callable[[LabChecks], None]:
    """Restart the VM of a duty group as a whole (every service on it at once)."""

    def restart(checks: LabChecks) -> None:
        container = checks.inventory.first(group).container
        subprocess.run(["podman", "restart", "-t", "20", container], check=True, timeout=180)

    return restart


# A separate nftables table whose chains drop everything between the consumer's VM and the broker's VM, in both
# directions, before the VM's own firewall sees it; deleting the table heals the partition.
PARTITION_TABLE = "votelab_fault_partition"


def _partition_consumer_from_broker(checks: LabChecks) -> None:
    peer = checks.kafka_host.ip
    script = (
        f"add table inet {PARTITION_TABLE}\n"
        f"add chain inet {PARTITION_TABLE} in {{ type filter hook input priority -50; }}\n"
        f"add chain inet {PARTITION_TABLE} out {{ type filter hook output priority -50; }}\n"
        f"add rule inet {PARTITION_TABLE} in ip saddr {peer} drop\n"
        f"add rule inet {PARTITION_TABLE} out ip daddr {peer} drop\n"
    )
    checks.consumer_host.run("sh", "-c", f"printf '{script}' | nft -f -")


def _heal_partition(checks: LabChecks) -> None:
    checks.consumer_host.run("nft", "delete", "table", "inet", PARTITION_TABLE, check=False)


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
    Fault("consumer host restarted", _restart_vm("consumer"), lambda c: None),
    Fault("broker stopped", _unit("kafka_host", "kafka", "stop"), _unit("kafka_host", "kafka", "start")),
    # systemd starts it again (Restart=on-failure); the broker recovers its log and waits for its old ZooKeeper
    # session to expire before it registers again
    Fault("broker SIGKILL", _unit("kafka_host", "kafka", "kill", "-s", "SIGKILL"), lambda c: None),
    Fault(
        "zookeeper stopped",
        _unit("kafka_host", "zookeeper", "stop"),
        _unit("kafka_host", "zookeeper", "start"),
    ),
    Fault("broker host restarted", _restart_vm("kafka"), lambda c: None),
    Fault(
        "consumer host cut off from the broker host",
        _partition_consumer_from_broker,
        _heal_partition,
        during=_results_still_served,
        outage_s=60.0,
    ),
]


def record(name: str, result: StreamResult, **extra: object) -> None:
    """Append this fault's figures to test-artifacts/e2e/faults.json (the closing note quotes them)."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data[name] = {"sent": result.sent, "accepted": len(result.accepted), "outcomes": dict(result.outcomes), **extra}
    REPORT.write_text(json.dumps(data, indent=2, sort_keys=True))


def run_stream_with(fault: Fault, checks: LabChecks, frontend_url: str) -> tuple[VoteStream, StreamResult]:
    bound = fault.outage_s + 90
    with VoteStream(frontend_url, rate=RATE, max_votes=int(RATE * bound), max_seconds=bound) as s:
        time.sleep(5)
        fault.inject(checks)
        time.sleep(fault.outage_s / 2)
        fault.during(checks, frontend_url)
        time.sleep(fault.outage_s / 2)
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
