"""Which Kafka records PostgreSQL holds (consumer_positions) and the replay gaps the consumer found (replay_gaps).

A position is the offset of the next record of a (topic, partition) that PostgreSQL lacks. The consumer writes it
in the transaction that stores the batch, so it is exactly as old as the data: a database restored from a backup, or
an empty one, says by itself where replaying the topic must start. Kafka's committed offsets only say what the group
read. A gap is a partition whose needed offset Kafka no longer has; the consumer pauses it and records it here, and
only an operator (`python -m app.tools.replay_gap accept`) gives those records up. Migration 0004 makes both tables.

Used by the consumer (app.consumer) and the replay_gap tool (app.tools), hence in the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extensions

# (topic, partition) -> offset of the next record to store
NextOffsets = Mapping[tuple[str, int], int]

_GAP_COLUMNS = "id, topic, partition, needed_offset, earliest_offset, detected_at, accepted_at, accepted_by_note"


@dataclass(frozen=True)
class ReplayGap:
    """Records PostgreSQL needs that Kafka no longer has: offsets needed_offset..earliest_offset-1 of a partition."""

    id: int
    topic: str
    partition: int
    needed_offset: int
    earliest_offset: int
    detected_at: datetime
    accepted_at: datetime | None = None
    accepted_by_note: str | None = None

    @property
    def missing(self) -> int:
        """How many offsets are given up if the gap is accepted."""
        return self.earliest_offset - self.needed_offset

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (tool output, monitoring)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "partition": self.partition,
            "needed_offset": self.needed_offset,
            "earliest_offset": self.earliest_offset,
            "missing": self.missing,
            "detected_at": self.detected_at.isoformat(),
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
            "accepted_by_note": self.accepted_by_note,
        }


def write_positions(cur: psycopg2.extensions.cursor, next_offsets: NextOffsets) -> None:
    """Upsert a batch's next offsets inside the caller's transaction; a position never moves backwards (a late
    batch of a revoked partition must not undo a newer one). Rows in sorted order, so two writers cannot deadlock."""
    if not next_offsets:
        return
    keys = sorted(next_offsets)
    cur.execute(
        "INSERT INTO consumer_positions (topic, partition, next_offset)"
        " SELECT * FROM unnest(%s::text[], %s::integer[], %s::bigint[])"
        " ON CONFLICT (topic, partition) DO UPDATE"
        " SET next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset), updated_at = now()",
        ([t for t, _ in keys], [p for _, p in keys], [next_offsets[k] for k in keys]),
    )


def read_positions(conn: psycopg2.extensions.connection, topic: str) -> dict[int, int]:
    """PostgreSQL's next offset per partition of a topic (no row: PostgreSQL holds nothing of that partition)."""
    with conn.cursor() as cur:
        cur.execute("SELECT partition, next_offset FROM consumer_positions WHERE topic = %s", (topic,))
        return {int(p): int(o) for p, o in cur.fetchall()}


def record_gap(
    conn: psycopg2.extensions.connection, topic: str, partition: int, needed: int, earliest: int
) -> ReplayGap:
    """Note an open gap (commits); a gap already open on the partition gets the latest offsets seen."""
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO replay_gaps (topic, partition, needed_offset, earliest_offset) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (topic, partition) WHERE accepted_at IS NULL DO UPDATE"
            " SET needed_offset = EXCLUDED.needed_offset, earliest_offset = EXCLUDED.earliest_offset"
            f" RETURNING {_GAP_COLUMNS}",
            (topic, partition, needed, earliest),
        )
        row = cur.fetchone()
    assert row is not None  # INSERT .. ON CONFLICT DO UPDATE always returns the row
    return ReplayGap(*row)


def open_gaps(conn: psycopg2.extensions.connection, topic: str | None = None) -> list[ReplayGap]:
    """Gaps not accepted yet (of one topic, or all), oldest first."""
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT {_GAP_COLUMNS} FROM replay_gaps WHERE accepted_at IS NULL AND (%s::text IS NULL OR topic = %s)"
            " ORDER BY detected_at, id",
            (topic, topic),
        )
        return [ReplayGap(*row) for row in cur.fetchall()]


def accept_gap(conn: psycopg2.extensions.connection, topic: str, partition: int, note: str) -> ReplayGap | None:
    """Give up the gap's records: move PostgreSQL's position to the earliest offset Kafka had and mark the gap
    accepted, in one transaction; None when the partition has no open gap."""
    with conn, conn.cursor() as cur:
        cur.execute(
            f"SELECT {_GAP_COLUMNS} FROM replay_gaps WHERE topic = %s AND partition = %s AND accepted_at IS NULL"
            " FOR UPDATE",
            (topic, partition),
        )
        row = cur.fetchone()
        if row is None:
            return None
        gap = ReplayGap(*row)
        write_positions(cur, {(topic, partition): gap.earliest_offset})
        cur.execute(
            f"UPDATE replay_gaps SET accepted_at = now(), accepted_by_note = %s WHERE id = %s RETURNING {_GAP_COLUMNS}",
            (note, gap.id),
        )
        accepted = cur.fetchone()
    assert accepted is not None
    return ReplayGap(*accepted)
