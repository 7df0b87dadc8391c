"""`python -m app.tools.replay_gap status [--json]` / `accept --partition N [--topic T] [--note TEXT] --confirm`.

A replay gap is a partition whose records PostgreSQL still needs but Kafka no longer has (retention passed, records
deleted): the consumer pauses that partition and records the gap rather than skipping records silently. `status`
lists the open gaps: exit 0 when there is none, 1 when some are open, 2 when PostgreSQL is unreachable. `accept`
gives one partition's missing records up for good: it moves PostgreSQL's position for the partition to the earliest
offset Kafka had and marks the gap accepted (one transaction); the consumer resumes the partition from there within
VOTELAB_CONSUMER_GAP_CHECK_S. Without --confirm it only says what it would do (exit 3); exit 1 when the partition has
no open gap, 2 when PostgreSQL is unreachable.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

import psycopg2

from app.core.db import connect
from app.core.logs import configure_logging, get_logger
from app.core.positions import ReplayGap, accept_gap, open_gaps
from app.core.settings import Settings, load_settings

EXIT_OPEN_GAPS = 1
EXIT_NO_GAP = 1
EXIT_UNREACHABLE = 2
EXIT_NOT_CONFIRMED = 3


def parser() -> argparse.ArgumentParser:
    """The command line (separate so its handling can be tested without a database)."""
    root = argparse.ArgumentParser(
        prog="votelab-replay-gap",
        description="List the replay gaps the consumer found, or give one partition's missing records up.",
    )
    actions = root.add_subparsers(dest="action", required=True)
    status = actions.add_parser("status", help="list open gaps (exit 1 when any is open)")
    status.add_argument("--json", action="store_true", help="print the gaps as JSON")
    accept = actions.add_parser("accept", help="give a partition's missing records up and let the consumer resume it")
    accept.add_argument("--partition", type=int, required=True, help="partition of the gap")
    accept.add_argument("--topic", help="topic of the gap (default: VOTELAB_KAFKA_TOPIC)")
    accept.add_argument("--note", default="", help="who accepted and why, stored with the gap")
    accept.add_argument("--confirm", action="store_true", help="do it (without: only say what would be done)")
    return root


def describe_gap(gap: ReplayGap) -> str:
    """One line per gap for the terminal."""
    return (
        f"{gap.topic} partition {gap.partition}: PostgreSQL needs offset {gap.needed_offset}, Kafka's earliest is"
        f" {gap.earliest_offset} ({gap.missing} offsets missing), detected {gap.detected_at.isoformat()}"
    )


def describe_acceptance(gap: ReplayGap, done: bool = False) -> str:
    """Exactly what `accept --confirm` does (or, done, did) to this gap."""
    verb = "Accepted: gave up" if done else "Accepting gives up"
    return (
        f"{verb} the records at offsets {gap.needed_offset}..{gap.earliest_offset - 1} of {gap.topic}"
        f" partition {gap.partition} ({gap.missing} offsets): PostgreSQL does not hold them and Kafka no longer has"
        f" them, so the votes among them are lost for good. PostgreSQL's position for the partition moves to"
        f" {gap.earliest_offset}, the gap is marked accepted, and the consumer resumes the partition from offset"
        f" {gap.earliest_offset}. Redis may still count some of the lost votes: run"
        " `python -m app.tools.consistency check` once the consumer has caught up."
    )


def _default_note() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        user = "unknown"
    return f"accepted with votelab-replay-gap by {user}"


def _status(settings: Settings, as_json: bool) -> int:
    conn = connect(settings)
    try:
        gaps = open_gaps(conn)
    finally:
        conn.close()
    if as_json:
        print(json.dumps({"open_gaps": [g.to_dict() for g in gaps]}, indent=2))
    elif gaps:
        print(f"{len(gaps)} open replay gap(s); the consumer holds these partitions paused:")
        for gap in gaps:
            print(f"  {describe_gap(gap)}")
        print("Give one up with: python -m app.tools.replay_gap accept --topic T --partition N --confirm")
    else:
        print("no open replay gap")
    return EXIT_OPEN_GAPS if gaps else 0


def _accept(settings: Settings, topic: str, partition: int, note: str, confirm: bool) -> int:
    conn = connect(settings)
    try:
        gap = next((g for g in open_gaps(conn, topic) if g.partition == partition), None)
        if gap is None:
            print(f"no open replay gap on {topic} partition {partition}; nothing to accept", file=sys.stderr)
            return EXIT_NO_GAP
        if not confirm:
            print(describe_acceptance(gap))
            print("Nothing changed: run again with --confirm to do this.", file=sys.stderr)
            return EXIT_NOT_CONFIRMED
        accepted = accept_gap(conn, topic, partition, note or _default_note())
    finally:
        conn.close()
    if accepted is None:  # accepted by someone else between the two statements
        print(f"no open replay gap on {topic} partition {partition}; nothing to accept", file=sys.stderr)
        return EXIT_NO_GAP
    get_logger("replay_gap").warning("replay_gap_accepted", **accepted.to_dict())
    print(describe_acceptance(accepted, done=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m app.tools.replay_gap` / votelab-replay-gap."""
    args = parser().parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        if args.action == "status":
            return _status(settings, args.json)
        return _accept(settings, args.topic or settings.kafka_topic, args.partition, args.note, args.confirm)
    except psycopg2.OperationalError as exc:
        get_logger("replay_gap").error("store_unreachable", store="PostgreSQL", error=f"{type(exc).__name__}: {exc}")
        print(f"replay_gap {args.action}: PostgreSQL unreachable ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
