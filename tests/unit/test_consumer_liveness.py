"""The consumer's liveness file and the exec probe that reads it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.consumer.liveness import LivenessFile, main


def test_beat_touches_at_most_once_per_interval(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    liveness = LivenessFile(str(path), interval_s=60)
    liveness.beat()
    first = path.stat().st_mtime_ns
    os.utime(path, (1, 1))
    liveness.beat()  # inside the interval: no touch
    assert path.stat().st_mtime_ns != first and path.stat().st_mtime == 1


def test_no_path_means_no_file(tmp_path: Path) -> None:
    LivenessFile("").beat()
    assert list(tmp_path.iterdir()) == []


def test_probe_passes_on_a_fresh_file_and_fails_on_a_stale_or_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    assert main([str(path), "60"]) == 1
    LivenessFile(str(path)).beat()
    assert main([str(path), "60"]) == 0
    old = time.time() - 120
    os.utime(path, (old, old))
    assert main([str(path), "60"]) == 1
    assert main([]) == 2
