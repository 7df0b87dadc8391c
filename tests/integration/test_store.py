"""The consumer's storage step on its own (real PostgreSQL and Redis, no broker): ballots, supersession,
duplicates, and the crash window between the PostgreSQL commit and the Redis update.

Uses its own database (votelab_store) and Redis db 1 so it never disturbs the pipeline tests' counters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from pydantic import SecretStr

from app.consumer.batch import BatchStore, TransientFailure
from app.consumer.pg_store import DeadLetter, Delivery, store_batch
from app.core.consistency import check, repair
from app.core.counters import read_results
from app.core.domain import Candidate, VoteEvent, VoteType
from app.core.redis_client import sync_client
from app.core.settings import Settings
from app.tools.migrate import migrate, shipped_migrations
from devstack import Stack

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store_settings(stack: Stack) -> Iterator[Settings]:
    """A fresh, migrated database and an empty Redis db 1."""
    admin = psycopg2.connect(stack._superuser_dsn(), connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS votelab_store WITH (FORCE)")
        cur.execute("CREATE DATABASE votelab_store OWNER votelab")
    admin.close()
    settings = stack.settings(
        database_url=SecretStr(stack.database_url.rsplit("/", 1)[0] + "/votelab_store"),
        redis_url=SecretStr(stack.redis_url.rsplit("/", 1)[0] + "/1"),
    )
    assert migrate(settings) == [m.version for m in shipped_migrations()]
    assert migrate(settings) == []  # idempotent
    client = sync_client(settings)
    client.flushdb()
    client.close()
    yield settings


def event(user: str, candidate: str, vote_type: str, at: datetime, vote_id: uuid.UUID | None = None) -> Delivery:
    e = VoteEvent(
        schema_version=1,
        vote_id=vote_id or uuid.uuid4(),
        user_id=user,
        candidate_id=Candidate(candidate),
        vote_type=VoteType(vote_type),
        voted_at=at,
    )
    return Delivery(e, 0, 0)


def counts(settings: Settings) -> dict[str, dict[str, int]]:
    client = sync_client(settings)
    try:
        return read_results(client)
    finally:
        client.close()


def test_batch_stores_counts_and_replaces_ballots(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    batch = [
        event("u1", "monthly", "for", T0),
        event("u2", "monthly", "against", T0),
        event("u1", "monthly", "against", T0 + timedelta(seconds=1)),  # u1 changes their mind
        event("u1", "biweekly", "for", T0),
    ]
    outcomes = store.store(batch)
    assert [o.state for o in outcomes] == ["stored"] * 4
    assert counts(store_settings) == {
        "monthly": {"for": 0, "against": 2, "total": 2},
        "biweekly": {"for": 1, "against": 0, "total": 1},
    }
    assert check(store_settings).consistent
    store.close()


def test_older_event_is_superseded(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    store.store([event("u1", "monthly", "against", T0 + timedelta(minutes=1))])
    outcomes = store.store([event("u1", "monthly", "for", T0)])  # replayed late: older than the ballot
    assert outcomes[0].state == "superseded" and outcomes[0].transition is None
    assert counts(store_settings)["monthly"] == {"for": 0, "against": 1, "total": 1}
    store.close()


def test_redelivery_is_duplicate_and_counts_once(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    delivery = event("u1", "monthly", "for", T0)
    store.store([delivery, delivery])
    outcomes = store.store([delivery])
    assert outcomes[0].state == "duplicate"
    assert counts(store_settings)["monthly"] == {"for": 1, "against": 0, "total": 1}
    store.close()


def test_crash_between_postgresql_and_redis_neither_loses_nor_doubles(store_settings: Settings) -> None:
    """PostgreSQL committed but the process died before Redis: the redelivery finishes the count exactly once."""
    first = event("u1", "monthly", "for", T0)
    change = event("u1", "monthly", "against", T0 + timedelta(seconds=5))
    conn = psycopg2.connect(store_settings.database_url.get_secret_value())
    store_batch(conn, [first, change])  # the "crash": Redis never saw these
    conn.close()
    assert counts(store_settings)["monthly"]["total"] == 0
    store = BatchStore(store_settings)
    outcomes = store.store([first, change])  # redelivered after restart
    assert [o.state for o in outcomes] == ["duplicate", "duplicate"]
    assert counts(store_settings)["monthly"] == {"for": 0, "against": 1, "total": 1}
    store.store([first, change])  # and again: the Lua markers hold
    assert counts(store_settings)["monthly"] == {"for": 0, "against": 1, "total": 1}
    store.close()


def test_dead_letters_are_recorded_once(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    letter = DeadLetter("vote-events", 2, 41, b"{bad", "invalid JSON", None)
    store.store([], [letter])
    store.store([], [letter])
    conn = psycopg2.connect(store_settings.database_url.get_secret_value())
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), min(status) FROM dead_letters")
        assert cur.fetchone() == (1, "pending")
    conn.close()
    store.close()


def test_unreachable_postgresql_is_transient(store_settings: Settings) -> None:
    broken = store_settings.model_copy(update={"database_url": SecretStr("postgresql://x:y@127.0.0.1:9/none")})
    store = BatchStore(broken)
    with pytest.raises(TransientFailure):
        store.store([event("u1", "monthly", "for", T0)])
    store.close()


def test_repair_rebuilds_counters_after_redis_lost_them(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    store.store([event(f"u{i}", "biweekly", "for" if i % 3 else "against", T0) for i in range(30)])
    client = sync_client(store_settings)
    client.flushdb()
    client.close()
    report = check(store_settings)
    assert not report.consistent and "vote_result:biweekly" in report.render()
    assert repair(store_settings).repaired
    assert counts(store_settings)["biweekly"] == {"for": 20, "against": 10, "total": 30}
    fresh = BatchStore(store_settings)
    fresh.check_redis_on_start()  # counters exist now: a restart must not touch them
    assert counts(store_settings)["biweekly"]["total"] == 30
    store.close()
    fresh.close()


def test_start_with_empty_redis_rebuilds_never_zeroes(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    store.store([event("u1", "monthly", "for", T0), event("u2", "monthly", "for", T0)])
    client = sync_client(store_settings)
    client.flushdb()
    client.close()
    restarted = BatchStore(store_settings)
    restarted.check_redis_on_start()
    assert counts(store_settings)["monthly"] == {"for": 2, "against": 0, "total": 2}
    store.close()
    restarted.close()


def test_redis_losing_its_data_between_batches_is_rebuilt_not_counted_from_zero(store_settings: Settings) -> None:
    store = BatchStore(store_settings)
    store.store([event(f"u{i}", "monthly", "for", T0) for i in range(5)])
    client = sync_client(store_settings)
    client.flushdb()  # like a Redis restart without persistence, unnoticed by the consumer
    client.close()
    store.store([event("u99", "monthly", "against", T0)])
    assert counts(store_settings)["monthly"] == {"for": 5, "against": 1, "total": 6}
    client = sync_client(store_settings)
    client.flushdb()  # and again while idle: the periodic check rebuilds
    client.close()
    store.maintain(every_s=0)
    assert counts(store_settings)["monthly"] == {"for": 5, "against": 1, "total": 6}
    store.close()


def test_consumer_restarted_during_redis_outage_still_catches_up(store_settings: Settings) -> None:
    """Votes stored while Redis was unreachable (their offsets committed, never delivered again), then the consumer
    process is gone: a new one learns from PostgreSQL that Redis is behind, rebuilds the counters once, and a
    redelivery of those votes does not count them again."""
    working = BatchStore(store_settings)
    working.store([event("u0", "monthly", "for", T0)])
    unreachable = store_settings.model_copy(update={"redis_url": SecretStr("redis://127.0.0.1:9/1")})
    during_outage = BatchStore(unreachable)
    missed = [event(f"u{i}", "monthly", "against", T0) for i in range(1, 4)]
    assert [o.state for o in during_outage.store(missed)] == ["stored"] * 3
    assert during_outage.redis_behind
    during_outage.close()  # the consumer dies before Redis comes back; Redis kept its (stale) counters
    assert counts(store_settings)["monthly"] == {"for": 1, "against": 0, "total": 1}

    restarted = BatchStore(store_settings)
    restarted.check_redis_on_start()
    assert counts(store_settings)["monthly"] == {"for": 1, "against": 3, "total": 4}
    assert not restarted.redis_behind
    restarted.store(missed)  # redelivered: stored once, counted once
    assert counts(store_settings)["monthly"] == {"for": 1, "against": 3, "total": 4}
    again = BatchStore(store_settings)
    again.check_redis_on_start()  # caught up: the note is gone, so the next start finds Redis up to date
    assert not again.redis_behind
    assert check(store_settings).consistent
    for store in (working, restarted, again):
        store.close()
