"""Consistency between the Redis counters and PostgreSQL ballots (the source of truth): check and repair.

Used by the admin endpoints and by `python -m app.tools.consistency`. Repair is atomic on the Redis side
(MULTI/EXEC); a consumer applying votes at the same moment can race with it, so run it when the pipeline is quiet or
run check again afterwards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from app.core.counters import Results, overwrite_results, read_results
from app.core.db import connect
from app.core.logs import get_logger
from app.core.pg_queries import results_from_ballots
from app.core.redis_client import sync_client
from app.core.redis_keys import counter_key
from app.core.settings import Settings


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
                drifts.append(Drift(counter_key(candidate, name), r_value, pg_value))
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
