"""A very short-lived cache of the serialized results (default 50 ms): under heavy polling, concurrent readers
share one Redis read instead of one each. Results stay at most results_cache_ms behind the counters."""

from __future__ import annotations

import time


class ResultsCache:
    """Holds the last serialized Redis results and when they were read."""

    def __init__(self, max_age_ms: int) -> None:
        self._max_age_s = max_age_ms / 1000
        self._body: bytes | None = None
        self._read_at = 0.0

    def fresh(self) -> bytes | None:
        """The cached body if younger than max age (always None when the cache is disabled)."""
        if self._body is not None and time.monotonic() - self._read_at < self._max_age_s:
            return self._body
        return None

    def store(self, body: bytes) -> None:
        """Remember a body just read from Redis."""
        if self._max_age_s > 0:
            self._body = body
            self._read_at = time.monotonic()
