"""Recovery drills on the lab (issue 17), each under a steady bounded stream of votes through the front end, each
ending with every accepted vote stored exactly once and Redis equal to PostgreSQL:

1. VM3 lost: its container and everything in it removed while votes flow; a new VM3 made and provisioned by
   site.yml on the VM3's groups and the backup host (`lab.sh up --limit ...`, what docs/operations.md tells an
   operator); `make lab-restore CONFIRM=yes` restores the backup from VM1 and replays Kafka.
2. Operator error: `DELETE FROM vote_events` and `ballots` on the primary; a point-in-time restore to a moment before
   it brings back every vote accepted before and after the mistake.
3. Backup host lost: VM1's repository removed; the next backup run fails loudly; site.yml (limited to the two
   pgBackRest hosts) makes a new repository and a full backup; a restore from it works.

Figures (durations, votes from the backup and from Kafka) go to test-artifacts/e2e/recovery.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from labcheck import LabChecks
from stream import StreamResult, VoteStream

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "e2e" / "recovery.json"
RESTORE_REPORT = ROOT / ".lab" / "restore-report.json"
RATE = 20.0
BOUND_S = 900.0
# The hosts site.yml runs on in each drill, as docs/operations.md tells an operator: a replaced VM3 (PostgreSQL and
# the consumer) with the backup host it pairs with; for a lost repository, the two pgBackRest hosts.
VM3_REPLACED_LIMIT = "postgresql:consumer:backup"
REPOSITORY_LOST_LIMIT = "postgresql:backup"


def record(name: str, figures: dict[str, object]) -> None:
    """Add this drill's figures to test-artifacts/e2e/recovery.json."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data[name] = figures
    REPORT.write_text(json.dumps(data, indent=2, sort_keys=True))
    print(json.dumps({name: figures}))


def lab(*argv: str, timeout: float = 900) -> float:
    """Run a lab command from the project root (the lab's own route checks apply); returns its duration."""
    started = time.monotonic()
    env = {**os.environ, "LAB_PREPARED": "1"}
    subprocess.run(list(argv), cwd=ROOT, env=env, check=True, timeout=timeout)
    return round(time.monotonic() - started, 1)


def restore(target_time: str = "") -> dict[str, object]:
    """`make lab-restore CONFIRM=yes [TARGET_TIME=...]`; the playbook's report plus the command's duration."""
    RESTORE_REPORT.unlink(missing_ok=True)
    seconds = lab("make", "--no-print-directory", "lab-restore", "CONFIRM=yes", f"TARGET_TIME={target_time}")
    report: dict[str, object] = json.loads(RESTORE_REPORT.read_text())
    report["command_s"] = seconds
    return report


def assert_exactly_once(checks: LabChecks, stream: VoteStream, result: StreamResult) -> int:
    """Every accepted vote stored once, nothing unsent stored, Redis equal to PostgreSQL; returns the stored count."""
    assert len(result.accepted) > RATE * 5, f"too few votes accepted to prove anything: {result.outcomes}"
    stored = checks.wait_stored(stream.voter_prefix, result.accepted, timeout=300)
    missing = set(result.accepted) - set(stored)
    assert not missing, f"{len(missing)} accepted votes never stored (of {len(result.accepted)})"
    assert len(stored) == len(set(stored)), "a vote was stored twice"
    assert set(stored) - set(result.accepted) <= result.unconfirmed, "a vote that was never sent was stored"
    pg, rd = checks.wait_consistent()
    assert pg == rd, f"Redis {rd} != PostgreSQL {pg}"
    rc, report = checks.consistency()
    assert rc == 0, report
    return len(stored)


def stream_to(frontend_url: str) -> VoteStream:
    return VoteStream(frontend_url, rate=RATE, max_votes=int(RATE * BOUND_S), max_seconds=BOUND_S)


@pytest.mark.timeout(1500)
def test_vm3_lost_is_rebuilt_from_the_backup_and_kafka(healthy_lab: LabChecks, frontend_url: str) -> None:
    checks = healthy_lab
    vm3 = checks.pg_host
    before = int(checks.psql("SELECT count(*) FROM vote_events")[0][0])
    with stream_to(frontend_url) as stream:
        time.sleep(10)
        lost_at = time.monotonic()
        subprocess.run(["podman", "rm", "-f", "-t", "0", vm3.container], check=True, timeout=120, capture_output=True)
        time.sleep(10)  # votes keep being accepted into Kafka while VM3 is gone
        site_s = lab("bash", "lab/lab.sh", "up", "--limit", VM3_REPLACED_LIMIT, timeout=1200)
        report = restore()
        checks.wait_healthy()
        time.sleep(5)
        result = stream.stop()
    stored = assert_exactly_once(checks, stream, result)
    after = int(checks.psql("SELECT count(*) FROM vote_events")[0][0])
    assert after >= before + stored, f"vote_events {after} after the drill, {before} before plus {stored} streamed"
    record(
        "vm3 lost",
        {
            "accepted": len(result.accepted),
            "stored": stored,
            "lost": 0,
            "vote_events_before": before,
            "vote_events_after": after,
            "loss_to_consistent_s": round(time.monotonic() - lost_at, 1),
            "new_vm3_and_site_yml_s": site_s,
            "restore": report,
        },
    )


@pytest.mark.timeout(900)
def test_operator_delete_is_undone_by_point_in_time_restore(healthy_lab: LabChecks, frontend_url: str) -> None:
    checks = healthy_lab
    with stream_to(frontend_url) as stream:
        time.sleep(15)
        target = checks.pg_host.run("date", "-u", "+%Y-%m-%d %H:%M:%S.%3N+00").stdout.strip()
        before = int(checks.psql("SELECT count(*) FROM vote_events")[0][0])
        time.sleep(3)
        checks.psql("DELETE FROM vote_events; DELETE FROM ballots")
        time.sleep(10)  # the mistake stands while votes keep arriving
        report = restore(target)
        time.sleep(5)
        result = stream.stop()
    stored = assert_exactly_once(checks, stream, result)
    after = int(checks.psql("SELECT count(*) FROM vote_events")[0][0])
    assert after >= before + 1, f"vote_events {after} after the restore, {before} at the target time"
    record(
        "operator error",
        {
            "accepted": len(result.accepted),
            "stored": stored,
            "lost": 0,
            "target_time": target,
            "vote_events_at_target": before,
            "vote_events_after": after,
            "restore": report,
        },
    )


@pytest.mark.timeout(1200)
def test_backup_host_lost_fails_loudly_then_site_yml_makes_a_new_repository(
    healthy_lab: LabChecks, frontend_url: str
) -> None:
    checks = healthy_lab
    repo = checks.inventory.first("backup")
    repo.run("rm", "-rf", "/var/lib/pgbackrest")
    run = repo.systemctl("start", "votelab-backup@diff.service", check=False)
    assert run.returncode != 0, "a backup into a lost repository succeeded"
    assert repo.systemctl("is-failed", "votelab-backup@diff.service", check=False).stdout.strip() == "failed"
    journal = repo.run("journalctl", "-u", "votelab-backup@diff.service", "--no-pager", "-n", "30").stdout
    assert "votelab-backup diff: FAILED" in journal, journal
    metrics = repo.run("cat", "/var/lib/prometheus/node-exporter/votelab_backup_diff.prom").stdout
    assert 'votelab_backup_success{job_name="diff"} 0' in metrics, metrics

    site_s = lab("bash", "lab/lab.sh", "provision", "--limit", REPOSITORY_LOST_LIMIT, timeout=900)
    info = json.loads(
        repo.run("runuser", "-u", "pgbackrest", "--", "pgbackrest", "--stanza=votelab", "--output=json", "info").stdout
    )
    backups = info[0]["backup"]
    assert [b["type"] for b in backups] == ["full"], backups

    with stream_to(frontend_url) as stream:
        time.sleep(10)
        report = restore()
        time.sleep(5)
        result = stream.stop()
    stored = assert_exactly_once(checks, stream, result)
    record(
        "backup host lost",
        {
            "accepted": len(result.accepted),
            "stored": stored,
            "lost": 0,
            "site_yml_new_repository_s": site_s,
            "new_full_backup_size_bytes": backups[0]["info"]["repository"]["delta"],
            "new_full_backup_s": backups[0]["timestamp"]["stop"] - backups[0]["timestamp"]["start"],
            "restore": report,
        },
    )
