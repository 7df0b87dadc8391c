"""`python -m app.tools.catch_up [--timeout S] [--json]`: wait until PostgreSQL holds the vote topic's end.

After a restore, Kafka's committed offsets say nothing (the consumer group read those records before the database
went back in time); PostgreSQL's own positions (app.core.positions) do. This waits until every partition's position
reaches the end offset it had when the wait began, and reports how many vote_events rows the consumer stored
meanwhile. Exit 0 when caught up, 1 on timeout, 2 when PostgreSQL or the broker is unreachable, 3 when the consumer
found a replay gap (records Kafka no longer has: `python -m app.tools.replay_gap status`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass

import psycopg2
from kafka.errors import KafkaError

from app.core.db import connect
from app.core.kafka_admin import topic_end_offsets
from app.core.logs import configure_logging, get_logger
from app.core.positions import open_gaps, read_positions
from app.core.settings import Settings, load_settings

EXIT_TIMEOUT = 1
EXIT_UNREACHABLE = 2
EXIT_GAP = 3


@dataclass
class CatchUp:
    """Where the wait ended."""

    caught_up: bool
    seconds: float
    vote_events: int
    stored_meanwhile: int
    behind: dict[int, int]
    open_gaps: int


def _vote_events(settings: Settings) -> int:
    conn = connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM vote_events")
            row = cur.fetchone()
        return int(row[0]) if row else 0
    finally:
        conn.close()


def behind(ends: dict[int, int], positions: dict[int, int]) -> dict[int, int]:
    """Records PostgreSQL still lacks per partition (no position: it lacks the whole partition)."""
    missing = {p: end - positions.get(p, 0) for p, end in ends.items()}
    return {p: n for p, n in missing.items() if n > 0}


def wait(settings: Settings, timeout_s: float, poll_s: float = 1.0) -> CatchUp:
    """Poll PostgreSQL's positions until they reach the topic's end offsets taken now (or a gap or the timeout)."""
    started = time.monotonic()
    ends = topic_end_offsets(settings, settings.kafka_topic)
    before = _vote_events(settings)
    while True:
        conn = connect(settings)
        try:
            lacking = behind(ends, read_positions(conn, settings.kafka_topic))
            gaps = len(open_gaps(conn, settings.kafka_topic))
        finally:
            conn.close()
        elapsed = time.monotonic() - started
        if not lacking or gaps or elapsed > timeout_s:
            now = _vote_events(settings)
            return CatchUp(not lacking, round(elapsed, 1), now, now - before, lacking, gaps)
        time.sleep(poll_s)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="votelab-catch-up", description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait at most (default 600)")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level)
    log = get_logger("catch_up")
    try:
        result = wait(settings, args.timeout)
    except (psycopg2.OperationalError, KafkaError) as exc:
        store = "PostgreSQL" if isinstance(exc, psycopg2.Error) else "Kafka"
        log.error("store_unreachable", store=store, error=f"{type(exc).__name__}: {exc}")
        print(f"catch-up: {store} unreachable ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_UNREACHABLE
    if args.json:
        print(json.dumps(asdict(result)))
    elif result.caught_up:
        print(
            f"caught up in {result.seconds} s: {result.stored_meanwhile} events stored meanwhile,"
            f" {result.vote_events} in all"
        )
    if result.open_gaps:
        print(
            f"catch-up: the consumer found {result.open_gaps} replay gap(s): Kafka no longer holds records PostgreSQL"
            " needs; see python -m app.tools.replay_gap status",
            file=sys.stderr,
        )
        return EXIT_GAP
    if not result.caught_up:
        print(
            f"catch-up: still behind after {result.seconds} s (records per partition: {result.behind})", file=sys.stderr
        )
        return EXIT_TIMEOUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
