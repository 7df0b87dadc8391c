"""Read-only PostgreSQL queries shared by the API fallback, the consistency tool and status pages."""

from __future__ import annotations

from typing import Any

import psycopg2.extensions

from app.core.counters import Results, results_from_type_counts


def results_from_ballots(conn: psycopg2.extensions.connection) -> Results:
    """Vote results computed from the current ballots (the source of truth)."""
    with conn.cursor() as cur:
        cur.execute("SELECT candidate_id, vote_type, count(*) FROM ballots GROUP BY candidate_id, vote_type")
        return results_from_type_counts(cur.fetchall())


def vote_state(conn: psycopg2.extensions.connection, vote_id: str) -> dict[str, Any] | None:
    """A vote's processing state as PostgreSQL knows it (stored, superseded or dead-lettered), or None."""
    with conn.cursor() as cur:
        cur.execute("SELECT status, voted_at, stored_at FROM vote_events WHERE vote_id = %s", (vote_id,))
        row = cur.fetchone()
        if row:
            return {
                "vote_id": vote_id,
                "status": row[0],
                "timestamps": {"voted": row[1].isoformat(), row[0]: row[2].isoformat()},
                "source": "postgresql",
            }
        cur.execute(
            "SELECT error, created_at, status, reprocessed_at FROM dead_letters WHERE vote_id = %s "
            "ORDER BY id DESC LIMIT 1",
            (vote_id,),
        )
        row = cur.fetchone()
        if row:
            timestamps = {"dead_lettered": row[1].isoformat()}
            if row[3] is not None:
                timestamps["reprocessed"] = row[3].isoformat()
            return {
                "vote_id": vote_id,
                "status": "dead_lettered",
                "error": row[0],
                "timestamps": timestamps,
                "source": "postgresql",
            }
    return None


def pipeline_counts(conn: psycopg2.extensions.connection) -> dict[str, int]:
    """Stored, superseded, ballots and dead-letter counts from PostgreSQL."""
    with conn.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM vote_events GROUP BY status")
        counts = {f"events_{status}": int(n) for status, n in cur.fetchall()}
        cur.execute("SELECT count(*) FROM ballots")
        counts["ballots"] = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute("SELECT status, count(*) FROM dead_letters GROUP BY status")
        for status, n in cur.fetchall():
            counts[f"dead_letters_{status}"] = int(n)
    counts.setdefault("events_stored", 0)
    counts.setdefault("events_superseded", 0)
    counts.setdefault("dead_letters_pending", 0)
    counts.setdefault("dead_letters_reprocessed", 0)
    return counts


def pending_dead_letters(conn: psycopg2.extensions.connection, ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Dead letters not yet reprocessed (optionally only the given ids)."""
    with conn.cursor() as cur:
        sql = (
            "SELECT id, source_partition, source_offset, vote_id, payload, error"
            " FROM dead_letters WHERE status = 'pending'"
        )
        params: tuple[Any, ...] = ()
        if ids:
            sql += " AND id = ANY(%s)"
            params = (ids,)
        cur.execute(sql + " ORDER BY id", params)
        return [
            {
                "id": r[0],
                "source_partition": r[1],
                "source_offset": r[2],
                "vote_id": str(r[3]) if r[3] else None,
                "payload": bytes(r[4]) if r[4] is not None else None,
                "error": r[5],
            }
            for r in cur.fetchall()
        ]
