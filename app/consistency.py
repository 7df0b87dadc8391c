"""Consistency between the Redis counters and PostgreSQL ballots (the source of truth): check and repair.

`python -m app.consistency check` exits 1 on drift and prints a readable diff, 2 when Redis or PostgreSQL cannot be
reached (one line naming which, no traceback); `repair` rewrites the counters from PostgreSQL. Repair is atomic on
the Redis side (MULTI/EXEC); a consumer applying votes at the same moment can race with it, so run it when the
pipeline is quiet or run check again afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field

import psycopg2
import redis

from app.counters import Results, overwrite_results, read_results
from app.db import connect
from app.logs import configure_logging, get_logger
from app.pg_queries import results_from_ballots
from app.redis_client import sync_client
from app.settings import Settings, load_settings


@dataclass
class Drift:
    """One counter that differs."""

    key: str
    redis: int
    postgresql: int


@dataclass
class ConsistencyReport:
    """Both sides and their differences."""

    redis: Results
    postgresql: Results
    drifts: list[Drift] = field(default_factory=list)
    repaired: bool = False

    @property
    def consistent(self) -> bool:
        """True when every counter equals the ballots."""
        return not self.drifts

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (admin endpoints)."""
        data = asdict(self)
        data["consistent"] = self.consistent
        return data

    def render(self) -> str:
        """A readable diff for the terminal."""
        if self.consistent:
            return "consistent: Redis counters equal PostgreSQL ballots"
        lines = [f"DRIFT: {len(self.drifts)} counter(s) differ", f"  {'counter':32} {'redis':>10} {'postgresql':>10}"]
        lines += [f"  {d.key:32} {d.redis:>10} {d.postgresql:>10}" for d in self.drifts]
        return "\n".join(lines)


def compare(redis_results: Results, pg_results: Results) -> list[Drift]:
    """Every counter whose Redis value differs from PostgreSQL."""
    drifts = []
    for candidate, pg_row in pg_results.items():
        for name, pg_value in pg_row.items():
            r_value = redis_results.get(candidate, {}).get(name, 0)
            if r_value != pg_value:
                key = f"vote_result:{candidate}" if name == "total" else f"vote_result:{candidate}:{name}"
                drifts.append(Drift(key, r_value, pg_value))
    return drifts


def check(settings: Settings) -> ConsistencyReport:
    """Compare Redis with PostgreSQL (reads only)."""
    conn = connect(settings)
    try:
        pg = results_from_ballots(conn)
    finally:
        conn.close()
    client = sync_client(settings)
    try:
        redis_results = read_results(client)
    finally:
        client.close()
    return ConsistencyReport(redis=redis_results, postgresql=pg, drifts=compare(redis_results, pg))


def repair(settings: Settings) -> ConsistencyReport:
    """Rewrite the Redis counters from PostgreSQL; the report shows the drift that was fixed."""
    report = check(settings)
    if report.drifts:
        client = sync_client(settings)
        try:
            overwrite_results(client, report.postgresql)
        finally:
            client.close()
        report.repaired = True
        get_logger("consistency").info("counters_repaired", drifts=len(report.drifts))
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m app.consistency check|repair [--json]`."""
    parser = argparse.ArgumentParser(prog="votelab-consistency", description=__doc__.splitlines()[0])
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
