"""The PostgreSQL half of a batch: one transaction that records every event and moves the ballots.

The same transaction moves PostgreSQL's positions (app.core.positions) to the batch's next offsets, so the database
always knows which Kafka records it holds, also after a restore from a backup.

The write tells whether each delivery is new: an event whose vote id is already stored is a `duplicate` (its stored
transition is returned again, so an interrupted Redis update can be finished); an event older than the voter's
current ballot is `superseded` (kept as history, nothing counted); otherwise it is `stored` and replaces the ballot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import psycopg2.extensions
import psycopg2.extras

from app.core.counters import Transition
from app.core.domain import VoteEvent
from app.core.positions import NextOffsets, write_positions

OutcomeState = Literal["stored", "superseded", "duplicate"]


@dataclass(frozen=True)
class Delivery:
    """A valid event and where it came from."""

    event: VoteEvent
    partition: int
    offset: int
    dead_letter_id: int | None = None


@dataclass(frozen=True)
class DeadLetter:
    """A message that can never be processed, with the reason."""

    topic: str
    partition: int
    offset: int
    payload: bytes | None
    error: str
    vote_id: str | None


@dataclass(frozen=True)
class Outcome:
    """What the batch did with one delivery; transition is what Redis must apply (at most once)."""

    vote_id: str
    state: OutcomeState
    transition: Transition | None


@dataclass
class _Ballot:
    vote_type: str
    vote_id: str
    voted_at: datetime


def store_batch(
    conn: psycopg2.extensions.connection,
    deliveries: list[Delivery],
    dead_letters: list[DeadLetter] | None = None,
    positions: NextOffsets | None = None,
) -> list[Outcome]:
    """Write the batch in one transaction (commit on return); outcomes in delivery order. `positions`: the batch's
    max offset + 1 per (topic, partition) over every record polled (deliveries and dead letters alike)."""
    with conn, conn.cursor() as cur:
        outcomes = _store(cur, deliveries)
        if dead_letters:
            psycopg2.extras.execute_values(
                cur,
                "INSERT INTO dead_letters (source_topic, source_partition, source_offset, payload, error, vote_id)"
                " VALUES %s ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING",
                [(d.topic, d.partition, d.offset, d.payload, d.error, d.vote_id) for d in dead_letters],
                page_size=len(dead_letters),
            )
        replayed = [d.dead_letter_id for d in deliveries if d.dead_letter_id is not None]
        if replayed:
            cur.execute(
                "UPDATE dead_letters SET status = 'reprocessed', reprocessed_at = now()"
                " WHERE id = ANY(%s) AND status = 'pending'",
                (replayed,),
            )
        if positions:
            write_positions(cur, positions)
    return outcomes


def _store(cur: psycopg2.extensions.cursor, deliveries: list[Delivery]) -> list[Outcome]:
    if not deliveries:
        return []
    ids = list({str(d.event.vote_id) for d in deliveries})
    # LATERAL with LIMIT 1 keeps this an index probe per id even before the planner has statistics
    cur.execute(
        "SELECT e.vote_id::text, e.candidate_id, e.status, e.previous_type, e.applied_type"
        " FROM unnest(%s::uuid[]) AS v(id) CROSS JOIN LATERAL"
        " (SELECT * FROM vote_events x WHERE x.vote_id = v.id LIMIT 1) e",
        (ids,),
    )
    known: dict[str, Transition | None] = {}
    for vote_id, candidate, status, previous, applied in cur.fetchall():
        known[vote_id] = Transition(vote_id, candidate, previous, applied) if status == "stored" else None

    fresh = [d for d in deliveries if str(d.event.vote_id) not in known]
    ballots = _lock_ballots(cur, {(d.event.user_id, d.event.candidate_id.value) for d in fresh})

    outcomes: list[Outcome] = []
    rows: list[tuple[object, ...]] = []
    changed: set[tuple[str, str]] = set()
    for d in deliveries:
        e = d.event
        vote_id = str(e.vote_id)
        if vote_id in known:
            outcomes.append(Outcome(vote_id, "duplicate", known[vote_id]))
            continue
        voter = (e.user_id, e.candidate_id.value)
        current = ballots.get(voter)
        if current is not None and (e.voted_at, vote_id) < (current.voted_at, current.vote_id):
            transition = None
            state: OutcomeState = "superseded"
        else:
            transition = Transition(vote_id, e.candidate_id.value, current.vote_type if current else None, e.vote_type)
            state = "stored"
            ballots[voter] = _Ballot(e.vote_type.value, vote_id, e.voted_at)
            changed.add(voter)
        known[vote_id] = transition
        outcomes.append(Outcome(vote_id, state, transition))
        rows.append(
            (
                vote_id,
                e.user_id,
                e.candidate_id.value,
                e.vote_type.value,
                e.voted_at,
                state,
                transition.previous_type if transition else None,
                transition.applied_type if transition else None,
                d.partition,
                d.offset,
            )
        )
    if rows:
        columns = list(zip(*rows, strict=True))
        cur.execute(
            "INSERT INTO vote_events (vote_id, user_id, candidate_id, vote_type, voted_at, status, previous_type,"
            " applied_type, source_partition, source_offset)"
            " SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::text[],"
            " %s::text[], %s::text[], %s::integer[], %s::bigint[])"
            " ON CONFLICT (vote_id) DO NOTHING",
            [list(c) for c in columns],
        )
        if cur.rowcount != len(rows):
            raise ConcurrentWriteError("another consumer stored some of these events; retry the batch")
    if changed:
        voters = sorted(changed)
        cur.execute(
            "INSERT INTO ballots (user_id, candidate_id, vote_type, vote_id, voted_at)"
            " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::uuid[], %s::timestamptz[])"
            " ON CONFLICT (user_id, candidate_id) DO UPDATE SET vote_type = EXCLUDED.vote_type,"
            " vote_id = EXCLUDED.vote_id, voted_at = EXCLUDED.voted_at, updated_at = now()",
            (
                [u for u, _ in voters],
                [c for _, c in voters],
                [ballots[v].vote_type for v in voters],
                [ballots[v].vote_id for v in voters],
                [ballots[v].voted_at for v in voters],
            ),
        )
    return outcomes


def _lock_ballots(cur: psycopg2.extensions.cursor, voters: set[tuple[str, str]]) -> dict[tuple[str, str], _Ballot]:
    """Current ballots of these voters, locked for the transaction (index probes, in sorted voter order)."""
    if not voters:
        return {}
    users, candidates = zip(*sorted(voters), strict=True)
    cur.execute(
        "SELECT b.user_id, b.candidate_id, b.vote_type, b.vote_id::text, b.voted_at"
        " FROM unnest(%s::text[], %s::text[]) AS v(user_id, candidate_id) CROSS JOIN LATERAL"
        " (SELECT * FROM ballots x WHERE x.user_id = v.user_id AND x.candidate_id = v.candidate_id FOR UPDATE) b",
        (list(users), list(candidates)),
    )
    return {(u, c): _Ballot(t, v, at) for u, c, t, v, at in cur.fetchall()}


class ConcurrentWriteError(Exception):
    """Another writer stored an event of this batch between our read and our insert."""
