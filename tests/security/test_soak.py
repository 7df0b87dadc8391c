"""A bounded soak: steady votes at a fixed rate for a few minutes through the real API, while the resident memory of
the API and consumer processes is sampled. Asserts that nothing is lost (every 202 is stored in PostgreSQL exactly
once) and only a generous memory bound (end RSS < 2 x start + 50 MB) that catches a leak; the measured figures
(rate, duration, start/peak/end RSS) go to test-artifacts/security/soak.json.

A 503 is retried with the same Idempotency-Key, as the front end does (counted in the figures, with the reasons the
API logged). VOTELAB_SOAK_SECONDS (default 120) and VOTELAB_SOAK_RATE (votes/s, default 100) bound it.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack import Stack
from tests.conftest import new_voter, wait_for
from tests.support.jsonlog import log_records

SOAK_SECONDS = float(os.environ.get("VOTELAB_SOAK_SECONDS", "120"))
SOAK_RATE = float(os.environ.get("VOTELAB_SOAK_RATE", "100"))
MB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


@dataclass
class SteadyVotes:
    """Posts one first-time vote every 1/rate seconds for `seconds` (on schedule, not as fast as possible)."""

    api_url: str
    rate: float
    seconds: float
    accepted: list[str] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    retried_503: int = 0
    elapsed_s: float = 0.0

    def run(self, senders: int = 8) -> None:
        """Vote i is due at start + i/rate; `senders` threads share the schedule, so one slow answer does not delay
        the votes behind it."""
        total = int(self.rate * self.seconds)
        start = time.monotonic()
        lock = threading.Lock()

        def send(first: int) -> None:
            with httpx.Client(base_url=self.api_url, timeout=10) as client:
                for i in range(first, total, senders):
                    delay = start + i / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    body = {"user_id": new_voter("soak"), "candidate_id": ("monthly", "biweekly")[i % 2],
                            "vote_type": ("for", "against")[i % 3 == 0]}  # fmt: skip
                    key = str(uuid.uuid4())
                    for _attempt in range(5):  # like the front end: a 503 is retried with the same key
                        answer = client.post("/api/vote", json=body, headers={"Idempotency-Key": key})
                        if answer.status_code != 503:
                            break
                        with lock:
                            self.retried_503 += 1
                    with lock:
                        if answer.status_code == 202:
                            self.accepted.append(answer.json()["vote_id"])
                        else:
                            self.refused[answer.status_code] = self.refused.get(answer.status_code, 0) + 1

        threads = [threading.Thread(target=send, args=(k,), daemon=True) for k in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.elapsed_s = time.monotonic() - start


def _publish_failures(stack: Stack, log_offset: int) -> dict[str, int]:
    """Errors of the API's vote_publish_failed log lines since log_offset (why a 503 was answered)."""
    found: dict[str, int] = {}
    for record in log_records(stack.handles["api"].log_path, log_offset):
        if record.get("event") == "vote_publish_failed":
            error = str(record.get("error", "?"))[:120]
            found[error] = found.get(error, 0) + 1
    return found


def stored_count(stack: Stack, vote_ids: list[str]) -> int:
    rows = stack.query("SELECT count(*) FROM vote_events WHERE vote_id = ANY(%s::uuid[])", vote_ids)
    return int(rows[0][0])


@pytest.mark.timeout(int(SOAK_SECONDS) + 300)
def test_steady_votes_lose_nothing_and_memory_stays_bounded(stack: Stack, artifacts: Path) -> None:
    pids = {"api": stack.handles["api"].pid, "consumer": stack.handles["consumer"].pid}
    samples: dict[str, list[int]] = {name: [rss_bytes(pid)] for name, pid in pids.items()}
    log_offset = stack.handles["api"].log_path.stat().st_size
    load = SteadyVotes(stack.api_url, SOAK_RATE, SOAK_SECONDS)
    sender = threading.Thread(target=load.run, daemon=True)
    sender.start()
    while sender.is_alive():
        sender.join(timeout=1.0)
        for name, pid in pids.items():
            samples[name].append(rss_bytes(pid))
    assert load.accepted, "no vote accepted"
    stored = wait_for(
        lambda: stored_count(stack, load.accepted) == len(load.accepted) and len(load.accepted),
        120,
        "every accepted soak vote stored",
    )
    for name, pid in pids.items():
        samples[name].append(rss_bytes(pid))

    figures = {
        "target_rate_per_s": SOAK_RATE,
        "duration_s": round(load.elapsed_s, 1),
        "achieved_rate_per_s": round(len(load.accepted) / load.elapsed_s, 1),
        "votes_accepted": len(load.accepted),
        "votes_refused": load.refused,
        "answers_503_retried": load.retried_503,
        "publish_failures_logged": _publish_failures(stack, log_offset),
        "votes_stored": stored,
        "rss_samples": len(samples["api"]),
        **{
            f"{name}_rss_mb": {
                "start": round(values[0] / MB, 1),
                "peak": round(max(values) / MB, 1),
                "end": round(values[-1] / MB, 1),
            }
            for name, values in samples.items()
        },
    }
    (artifacts / "soak.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("soak:", json.dumps(figures))

    assert load.refused == {}, f"votes refused during the soak: {load.refused}"
    assert stored == len(load.accepted)
    for name, values in samples.items():
        assert values[-1] < 2 * values[0] + 50 * MB, f"{name} RSS grew from {values[0]} to {values[-1]} bytes"
    assert stack.handles["consumer"].alive() and stack.handles["api"].alive()
