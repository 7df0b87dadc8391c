"""A steady, bounded stream of votes through the front end, recording what was accepted.

Fault tests run one of these while they break a component: afterwards every vote the system answered 202 for
must be stored exactly once. Bounded in count and time, and aimed only at a lab address checked by the caller.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

CANDIDATES = ("monthly", "biweekly")
TYPES = ("for", "against")


@dataclass
class StreamResult:
    """What the stream saw: accepted vote ids with their ballots, and every other outcome by kind."""

    accepted: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # vote_id -> (user, candidate, type)
    # vote ids (Idempotency-Keys) of answers other than 202: not confirmed, so a caller may retry them; the broker may
    # still have taken them (a 503 after the publish timeout), so they may be stored, at most once
    unconfirmed: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)
    sent: int = 0

    @property
    def failed(self) -> int:
        return self.sent - len(self.accepted)


class VoteStream:
    """Posts votes at `rate` per second from one thread until stopped, `max_votes` sent, or `max_seconds` passed."""

    def __init__(
        self,
        base_url: str,
        rate: float = 20.0,
        max_votes: int = 5000,
        max_seconds: float = 300.0,
        voters: int = 200,
        timeout: float = 5.0,
        keepalive: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.interval = 1.0 / rate
        self.max_votes = max_votes
        self.max_seconds = max_seconds
        self.voter_prefix = f"anonymous-e2e-{uuid.uuid4().hex[:8]}-"
        self.voters = [f"{self.voter_prefix}{i}" for i in range(voters)]
        self.timeout = timeout
        # keepalive=False: a new connection per vote, as many independent clients would make
        self.limits = httpx.Limits(max_keepalive_connections=None if keepalive else 0)
        self.result = StreamResult()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vote-stream", daemon=True)

    def __enter__(self) -> VoteStream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def running(self) -> bool:
        """True until the stream reached its bound (count or time) or was stopped."""
        return self._thread.is_alive()

    def stop(self) -> StreamResult:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 5)
        return self.result

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        next_at = time.monotonic()
        with httpx.Client(timeout=self.timeout, limits=self.limits) as client:
            while not self._stop.is_set() and self.result.sent < self.max_votes and time.monotonic() < deadline:
                n = self.result.sent
                ballot = (self.voters[n % len(self.voters)], CANDIDATES[n % 2], TYPES[(n // 3) % 2])
                self._send(client, ballot)
                next_at += self.interval
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _send(self, client: httpx.Client, ballot: tuple[str, str, str]) -> None:
        user, candidate, vote_type = ballot
        key = str(uuid.uuid4())
        self.result.sent += 1
        try:
            resp = client.post(
                f"{self.base_url}/api/vote",
                json={"user_id": user, "candidate_id": candidate, "vote_type": vote_type},
                headers={"Idempotency-Key": key},
            )
        except httpx.HTTPError as exc:
            self.result.outcomes[f"error:{type(exc).__name__}"] += 1
            self.result.unconfirmed.add(key)
            return
        self.result.outcomes[str(resp.status_code)] += 1
        if resp.status_code == 202:
            self.result.accepted[resp.json()["vote_id"]] = ballot
        else:
            self.result.unconfirmed.add(key)
