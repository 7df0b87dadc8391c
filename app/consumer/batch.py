"""One batch through storage: PostgreSQL transaction, then one Redis round trip. No broker here, so the
storage step can be benchmarked and tested on its own.

PostgreSQL failures raise TransientFailure (the caller retries without committing offsets). Redis failures do not:
PostgreSQL is the truth, so the batch counts as done, the store notes in PostgreSQL that Redis is behind (so a
restarted consumer still knows), and rebuilds the counters from PostgreSQL as soon as Redis answers again.

While the consumer replays records it had already committed (a database restored from a backup, or an empty one),
the store holds Redis back the same way: those votes are counted in Redis already, and applied markers alone cannot
tell (a Redis rebuilt since has none for older votes), so the replayed batches go to PostgreSQL only, with the
"Redis is behind" note, and the counters are rebuilt from PostgreSQL once when the replay is over.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

import psycopg2
import psycopg2.extensions
import redis

from app.consumer.pg_store import ConcurrentWriteError, DeadLetter, Delivery, Outcome, store_batch
from app.consumer.redis_apply import RedisApplier
from app.consumer.redis_lag import forget_redis_behind, redis_behind_since, remember_redis_behind, votes_stored_since
from app.core.counters import counters_ready
from app.core.db import connect
from app.core.logs import get_logger
from app.core.pg_queries import results_from_ballots
from app.core.positions import NextOffsets, ReplayGap, read_positions, record_gap
from app.core.redis_client import sync_client
from app.core.settings import Settings


class TransientFailure(Exception):
    """A dependency failed; retry the same batch later."""


class BatchStore:
    """Owns the PostgreSQL connection and the Redis client of one consumer process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.log = get_logger("consumer.store")
        self._conn: psycopg2.extensions.connection | None = None
        self._redis = sync_client(settings)
        self.redis = RedisApplier(self._redis, settings.applied_marker_ttl_s, settings.tracker_ttl_s)
        self.redis_behind = False
        # set while the consumer replays committed records: Redis is not written until the replay is over
        self.hold_redis = False
        self._checked_at = 0.0

    def _connection(self) -> psycopg2.extensions.connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.settings)
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg2.Error):
                self._conn.close()
        self._conn = None

    def check_redis_on_start(self) -> None:
        """Rebuild the counters from PostgreSQL (never reset them to zero) if Redis lost them or an earlier consumer
        noted that Redis fell behind; an unreachable PostgreSQL counts as behind (the rebuild reads the note)."""
        try:
            self.redis_behind = redis_behind_since(self._connection()) is not None
            self._connection().rollback()
        except psycopg2.Error:
            self._drop_connection()
            self.redis_behind = True
        self.check_redis()

    def check_redis(self) -> None:
        """Rebuild the counters if Redis lost them (cheap EXISTS); the consumer calls this when idle."""
        self._checked_at = time.monotonic()
        try:
            if not counters_ready(self._redis):
                self.redis_behind = True
        except redis.RedisError:
            self.redis_behind = True
        self.catch_up_redis()

    def maintain(self, every_s: float = 5.0) -> None:
        """Idle-time upkeep: catch up a Redis that fell behind, and check for lost counters every few seconds."""
        if self.redis_behind:
            self.catch_up_redis()
        elif time.monotonic() - self._checked_at >= every_s:
            self.check_redis()

    def store(
        self,
        deliveries: Sequence[Delivery],
        dead_letters: Sequence[DeadLetter] = (),
        positions: NextOffsets | None = None,
    ) -> list[Outcome]:
        """PostgreSQL (with the batch's positions) then Redis for one batch; TransientFailure if PostgreSQL failed
        (nothing committed)."""
        try:
            outcomes = store_batch(self._connection(), list(deliveries), list(dead_letters), positions)
        except (psycopg2.Error, ConcurrentWriteError) as exc:
            self._drop_connection()
            self._record_failed(deliveries, type(exc).__name__)
            raise TransientFailure(f"postgresql: {type(exc).__name__}: {str(exc).strip()[:200]}") from exc
        if self.hold_redis:
            self.redis_behind = True  # counted by the rebuild when the replay is over
        if not self.redis_behind:
            try:
                self.redis.apply(outcomes, dead_letters)
                return outcomes
            except redis.RedisError as exc:
                self.log.warning("redis_unavailable_counting_later", error=type(exc).__name__)
                self.redis_behind = True
        self._remember_behind(outcomes)
        self.catch_up_redis()  # succeeds at once when Redis answers but had lost its counters
        return outcomes

    def _remember_behind(self, outcomes: Sequence[Outcome]) -> None:
        """Before the caller commits these offsets, PostgreSQL must know Redis lacks these votes; if it cannot be
        told, the batch is retried (redelivered votes are stored once and counted once)."""
        try:
            remember_redis_behind(self._connection(), [o.vote_id for o in outcomes])
        except psycopg2.Error as exc:
            self._drop_connection()
            raise TransientFailure(f"postgresql: noting that Redis is behind: {type(exc).__name__}") from exc

    def _record_failed(self, deliveries: Sequence[Delivery], error: str) -> None:
        with contextlib.suppress(redis.RedisError):
            self.redis.record_failed([str(d.event.vote_id) for d in deliveries], error)

    def catch_up_redis(self) -> bool:
        """If Redis fell behind and answers now, rebuild its counters from PostgreSQL; True when up to date."""
        if not self.redis_behind:
            return True
        if self.hold_redis:
            return False
        try:
            self._redis.ping()
        except redis.RedisError:
            return False
        try:
            conn = self._connection()
            since = redis_behind_since(conn)
            results = results_from_ballots(conn)
            counted = votes_stored_since(conn, since) if since is not None else []
            conn.rollback()
            self.redis.rebuild(results, counted)
            forget_redis_behind(conn)
        except (psycopg2.Error, redis.RedisError) as exc:
            self.log.warning("redis_rebuild_failed", error=type(exc).__name__)
            if isinstance(exc, psycopg2.Error):
                self._drop_connection()
            return False
        self.log.info("redis_rebuilt_from_postgresql", results=results, marked=len(counted), behind_since=str(since))
        self.redis_behind = False
        return True

    def read_positions(self, topic: str) -> dict[int, int]:
        """PostgreSQL's next offset per partition of the topic; TransientFailure when PostgreSQL fails."""
        try:
            conn = self._connection()
            positions = read_positions(conn, topic)
            conn.rollback()
        except psycopg2.Error as exc:
            self._drop_connection()
            raise TransientFailure(f"postgresql: reading positions: {type(exc).__name__}") from exc
        return positions

    def record_gap(self, topic: str, partition: int, needed: int, earliest: int) -> ReplayGap:
        """Note an open replay gap in PostgreSQL; TransientFailure when PostgreSQL fails."""
        try:
            return record_gap(self._connection(), topic, partition, needed, earliest)
        except psycopg2.Error as exc:
            self._drop_connection()
            raise TransientFailure(f"postgresql: recording a replay gap: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Release the connections."""
        self._drop_connection()
        self._redis.close()
