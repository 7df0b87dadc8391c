"""PostgreSQL's durable note that Redis counters lag behind it, so the catch-up survives a consumer restart.

Offsets of a batch whose Redis update failed are committed anyway (PostgreSQL is the truth), so those votes are never
delivered again: without this note a consumer killed during a Redis outage would forget them and Redis would keep
counts without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import psycopg2.extensions


def remember_redis_behind(conn: psycopg2.extensions.connection, vote_ids: Sequence[str]) -> None:
    """Note (once) that votes stored from the earliest of these on may be missing from Redis."""
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO redis_catch_up (since)"
            " SELECT coalesce(min(stored_at), now()) FROM vote_events WHERE vote_id = ANY(%s::uuid[])"
            " ON CONFLICT (singleton) DO NOTHING",
            (list(vote_ids),),
        )


def redis_behind_since(conn: psycopg2.extensions.connection) -> datetime | None:
    """When Redis started lagging, or None when it is up to date."""
    with conn.cursor() as cur:
        cur.execute("SELECT since FROM redis_catch_up")
        row = cur.fetchone()
    return row[0] if row else None


def votes_stored_since(conn: psycopg2.extensions.connection, since: datetime) -> list[str]:
    """Ids of the votes stored from `since` on: counted by a rebuild, so they get their applied markers."""
    with conn.cursor() as cur:
        cur.execute("SELECT vote_id::text FROM vote_events WHERE stored_at >= %s", (since,))
        return [row[0] for row in cur.fetchall()]


def forget_redis_behind(conn: psycopg2.extensions.connection) -> None:
    """Redis was rebuilt from PostgreSQL: it is up to date again."""
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM redis_catch_up")
