"""Apply the versioned SQL migrations shipped in app/migrations, once each, under an advisory lock (idempotent).

Migrations that need a setting read it from a transaction-local PostgreSQL parameter this tool sets, so no SQL file
names a value the environment may change: `votelab.votes_topic` is VOTELAB_KAFKA_TOPIC (0004 seeds the consumer's
positions of the votes topic with it).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import resources

from app.core.db import connect
from app.core.logs import configure_logging, get_logger
from app.core.settings import Settings, load_settings

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x766F74656C6162  # "votelab"


@dataclass(frozen=True)
class Migration:
    """One SQL file: its version number, name and statements."""

    version: int
    name: str
    sql: str


def shipped_migrations() -> list[Migration]:
    """Every migration in the package, in version order."""
    found = []
    for entry in resources.files("app.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def migrate(settings: Settings, up_to: int | None = None) -> list[int]:
    """Apply the missing migrations (up to version `up_to` when given: tests of one migration's data step); returns
    the versions applied now (empty when up to date)."""
    log = get_logger("migrate")
    applied_now: list[int] = []
    conn = connect(settings, timeout_s=10)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            cur.execute("SELECT set_config('votelab.votes_topic', %s, true)", (settings.kafka_topic,))
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in cur.fetchall()}
            for migration in shipped_migrations():
                if migration.version in done or (up_to is not None and migration.version > up_to):
                    continue
                cur.execute(migration.sql)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (migration.version, migration.name)
                )
                applied_now.append(migration.version)
                log.info("migration_applied", version=migration.version, name=migration.name)
    finally:
        conn.close()
    log.info("migrations_up_to_date", applied_now=applied_now)
    return applied_now


def main() -> int:
    """Entry point of `python -m app.tools.migrate` / votelab-migrate."""
    settings = load_settings()
    configure_logging(settings.log_level)
    migrate(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
