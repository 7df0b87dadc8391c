"""`python -m app.tools.consistency check|repair [--json]`: compare the Redis counters with PostgreSQL, or rewrite them.

`check` exits 1 on drift and prints a readable diff, 2 when Redis or PostgreSQL cannot be reached (one line naming
which, no traceback); `repair` rewrites the counters from PostgreSQL (see app.core.consistency for the race).
"""

from __future__ import annotations

import argparse
import json
import sys

import psycopg2
import redis

from app.core.consistency import check, repair
from app.core.logs import configure_logging, get_logger
from app.core.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m app.tools.consistency check|repair [--json]`."""
    parser = argparse.ArgumentParser(
        prog="votelab-consistency",
        description="Compare the Redis counters with PostgreSQL ballots, or rewrite them from PostgreSQL.",
    )
    parser.add_argument("action", choices=["check", "repair"])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        report = check(settings) if args.action == "check" else repair(settings)
    except (redis.RedisError, psycopg2.OperationalError) as exc:
        store = "Redis" if isinstance(exc, redis.RedisError) else "PostgreSQL"
        get_logger("consistency").error("store_unreachable", store=store, error=f"{type(exc).__name__}: {exc}")
        print(f"consistency {args.action}: {store} unreachable ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.render())
    if args.action == "repair":
        print("repaired" if report.repaired else "nothing to repair")
        return 0
    return 0 if report.consistent else 1


if __name__ == "__main__":
    sys.exit(main())
