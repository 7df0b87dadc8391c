"""A bounded soak on the lab: steady votes through the front end for several minutes while the resident memory of
the API (vm2) and the consumer (vm3) is sampled through podman exec. Nothing accepted may be lost or doubled,
Redis must equal PostgreSQL afterwards, and memory must stay flat once warm: the RSS at the end stays below
1.25 x the RSS after WARMUP_S of load + 20 MB (a leak bound, not a timing). VOTELAB_LAB_SOAK_SECONDS (default
180) and VOTELAB_LAB_SOAK_RATE (votes/s, default 40) bound it; the figures go to test-artifacts/e2e/soak.json.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from labcheck import LabChecks
from stream import VoteStream

from lab.hosts import LabHost

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "e2e" / "soak.json"
SOAK_SECONDS = float(os.environ.get("VOTELAB_LAB_SOAK_SECONDS", "180"))
SOAK_RATE = float(os.environ.get("VOTELAB_LAB_SOAK_RATE", "40"))
SAMPLE_EVERY_S = 5.0
WARMUP_S = 30.0
MB = 1024 * 1024


def service_rss(host: LabHost, unit: str) -> int:
    """Resident memory of a unit's main process on a lab VM, in bytes."""
    pid = host.systemctl("show", "-p", "MainPID", "--value", unit).stdout.strip()
    assert pid not in ("", "0"), f"{unit} on {host.name} has no main process"
    status = host.run("cat", f"/proc/{pid}/status").stdout
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) * 1024


@pytest.mark.timeout(int(SOAK_SECONDS) + 600)
def test_lab_soak_loses_nothing_and_memory_stays_flat(healthy_lab: LabChecks, frontend_url: str) -> None:
    checks = healthy_lab
    services = {"api": (checks.api_host, "votelab-api"), "consumer": (checks.consumer_host, "votelab-consumer")}
    samples: dict[str, list[int]] = {name: [service_rss(*where)] for name, where in services.items()}
    restarts = {name: host.systemctl("show", "-p", "NRestarts", "--value", unit).stdout.strip()
                for name, (host, unit) in services.items()}  # fmt: skip

    stream = VoteStream(frontend_url, rate=SOAK_RATE, max_votes=int(SOAK_RATE * SOAK_SECONDS),
                        max_seconds=SOAK_SECONDS + 60, voters=5000)  # fmt: skip
    started = time.monotonic()
    warm = {name: values[0] for name, values in samples.items()}
    with stream:
        while stream.running():
            time.sleep(SAMPLE_EVERY_S)
            for name, where in services.items():
                samples[name].append(service_rss(*where))
            if time.monotonic() - started < WARMUP_S:
                warm = {name: values[-1] for name, values in samples.items()}
    elapsed = time.monotonic() - started
    result = stream.result

    stored = checks.wait_stored(stream.voter_prefix, result.accepted)
    for name, where in services.items():
        samples[name].append(service_rss(*where))
    missing = set(result.accepted) - set(stored)
    figures = {
        "target_rate_per_s": SOAK_RATE,
        "duration_s": round(elapsed, 1),
        "achieved_rate_per_s": round(len(result.accepted) / elapsed, 1),
        "sent": result.sent,
        "accepted": len(result.accepted),
        "outcomes": dict(result.outcomes),
        "stored": len(stored),
        "lost": len(missing),
        "rss_samples": len(samples["api"]),
        **{
            f"{name}_rss_mb": {
                "start": round(values[0] / MB, 1),
                "warm": round(warm[name] / MB, 1),
                "peak": round(max(values) / MB, 1),
                "end": round(values[-1] / MB, 1),
            }
            for name, values in samples.items()
        },
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2) + "\n")
    print("lab soak:", json.dumps(figures))

    assert result.sent == len(result.accepted), f"votes not accepted during the soak: {result.outcomes}"
    assert not missing, f"{len(missing)} accepted votes never stored (of {len(result.accepted)})"
    assert len(stored) == len(set(stored)), "a vote was stored twice"
    pg, rd = checks.wait_consistent()
    assert pg == rd, f"Redis {rd} != PostgreSQL {pg}"
    for name, values in samples.items():
        assert values[-1] < 1.25 * warm[name] + 20 * MB, f"{name} RSS grew from {warm[name]} to {values[-1]} bytes"
    for name, (host, unit) in services.items():
        now = host.systemctl("show", "-p", "NRestarts", "--value", unit).stdout.strip()
        assert now == restarts[name], f"{unit} restarted during the soak"
