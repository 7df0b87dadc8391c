"""The consumer's liveness file: the poll loop touches it while it turns, so an orchestrator without an HTTP endpoint
to probe (Kubernetes' exec probe) can tell a stuck worker from a busy one.

`python -m app.consumer.liveness PATH MAX_AGE_S` exits 0 when PATH was touched within MAX_AGE_S seconds, else 1 with
a line saying how old it is.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


class LivenessFile:
    """Touches a file at most every `interval_s` (a no-op without a path)."""

    def __init__(self, path: str, interval_s: float = 5.0) -> None:
        self._path = Path(path) if path else None
        self._interval_s = interval_s
        self._touched_at = 0.0

    def beat(self) -> None:
        """The loop turned; touch the file when the last touch is older than the interval."""
        now = time.monotonic()
        if self._path is None or now - self._touched_at < self._interval_s:
            return
        self._path.touch()
        self._touched_at = now


def main(argv: list[str] | None = None) -> int:
    """Exec-probe entry point."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m app.consumer.liveness PATH MAX_AGE_S", file=sys.stderr)
        return 2
    path, max_age = args[0], float(args[1])
    try:
        age = time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        print(f"{path}: not written yet", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"{path}: last touched {age:.0f} s ago (more than {max_age:.0f} s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
