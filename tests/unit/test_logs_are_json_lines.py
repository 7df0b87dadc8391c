"""Every line a process configured by app.logs writes is one JSON object: structlog's records and the libraries'
(kafka-python, uvicorn), warnings and uncaught exceptions, with several threads writing at once (none lost, none
torn or joined with another on one line, tracebacks inside the record)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support import log_writers as w
from tests.support.jsonlog import json_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run() -> subprocess.CompletedProcess[str]:
    """tests.support.log_writers in its own process (its stderr is what a service log holds)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "tests.support.log_writers"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def records(run: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The parsed stderr; fails naming the first line that is not a JSON object."""
    assert run.stderr.endswith("\n"), f"last record not terminated: {run.stderr[-300:]!r}"
    return list(json_records(run.stderr, "stderr of tests.support.log_writers"))


def test_the_writer_died_of_its_uncaught_exception(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.stdout == ""


def test_every_line_is_one_json_object(run: subprocess.CompletedProcess[str], records: list[dict[str, Any]]) -> None:
    assert len(records) == run.stderr.count("\n")


def test_every_record_says_level_time_logger_and_event(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert {"level", "timestamp", "logger", "event"} <= record.keys(), record


def test_no_record_lost_or_joined(records: list[dict[str, Any]]) -> None:
    expected = {(t, s) for t in range(w.THREADS) for s in range(w.PER_THREAD)}
    structlog_seen = [(r["thread"], r["seq"]) for r in records if r["event"] == "structlog_record"]
    assert Counter(structlog_seen) == Counter(expected)
    for kind, logger in (("kafka_record", "kafka.conn"), ("uvicorn_record", "uvicorn.error")):
        mine = [r for r in records if r["logger"] == logger]
        seen = [tuple(int(f.split("=")[1]) for f in r["event"].split()[1:3]) for r in mine]
        assert Counter(seen) == Counter(expected), f"{logger} records lost or duplicated"
        assert all(r["event"].startswith(kind) for r in mine)
    assert not [r for r in records if "kafka_info_hidden" in r["event"]], "kafka logger must stay at WARNING"
    assert len(records) == 3 * w.THREADS * w.PER_THREAD + 3  # + warning, thread crash, main crash


def test_tracebacks_are_inside_their_records(records: list[dict[str, Any]]) -> None:
    failed = [r for r in records if r["logger"] == "uvicorn.error" and r["level"] == "error"]
    assert len(failed) == w.THREADS * len(range(0, w.PER_THREAD, w.TRACEBACK_EVERY))
    for record in failed:
        seq = record["event"].split("seq=")[1]
        assert "Traceback (most recent call last)" in record["exception"]
        assert "in _fail_for_traceback" in record["exception"]
        assert f"RuntimeError: uvicorn_traceback_marker {seq}" in record["exception"]


def test_warning_and_uncaught_exceptions_are_records(records: list[dict[str, Any]]) -> None:
    (warning,) = [r for r in records if r["logger"] == "py.warnings"]
    assert "UserWarning: warning_marker" in warning["event"] and warning["level"] == "warning"
    crashes = [r for r in records if r["event"] == "uncaught_exception"]
    assert [(r["thread"], r["level"]) for r in crashes] == [("crasher", "critical"), ("MainThread", "critical")]
    assert "RuntimeError: thread_boom_marker" in crashes[0]["exception"]
    assert "in _crash" in crashes[0]["exception"]
    assert "ValueError: main_boom_marker" in crashes[1]["exception"]
    assert records[-1] is crashes[1], "the main thread's crash is the last thing written"
