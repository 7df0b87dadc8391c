"""Where each assigned partition resumes: from PostgreSQL's position (app.core.positions), so a database restored
from a backup, or an empty one, is brought forward by replaying the topic; and never past records Kafka no longer
has without an operator saying so.

kafka-python calls the rebalance listener on its IO thread while poll() blocks the worker, and blocking calls there
would stall heartbeats, so the listener only pauses what it is given and queues it; the worker's loop positions
queued partitions between polls (settle): PostgreSQL's position, the group's committed offset and the partition's
beginning offset give the start (plan_start), then seek and resume. A partition paused this way is never fetched, so
no batch can be stored past a position it has not checked. When PostgreSQL or the broker cannot answer, the partition
stays paused and the lookup is retried with backoff: nothing could be stored without PostgreSQL anyway.

A gap (PostgreSQL needs an offset older than the partition's beginning offset: retention passed, records deleted)
keeps the partition paused: one `replay_gap` log line, a row in replay_gaps, and a look every
VOTELAB_CONSUMER_GAP_CHECK_S for an accepted gap (`python -m app.tools.replay_gap accept` moves the position), while
the other partitions keep flowing. The same happens when polled records jump past where a partition stood because
Kafka reset a fetch whose offset it no longer has (auto_offset_reset would otherwise skip them silently).

Replaying records the group had committed (PostgreSQL's position before the committed offset) holds Redis back
(BatchStore.hold_redis) until every such partition has caught up, then rebuilds the counters from PostgreSQL: those
votes are counted in Redis already, and a Redis rebuilt since has no applied markers for them. Offsets of a
replaying partition are not committed (they are behind what the group committed), so a consumer that dies mid-replay
leaves the next one the same replay to do.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from app.consumer.batch import BatchStore, TransientFailure
from app.core.logs import get_logger
from app.core.positions import ReplayGap
from app.core.settings import Settings

_LOOKUP_TIMEOUT_MS = 5000


def plan_start(needed: int, committed: int | None, earliest: int) -> int | None:
    """The offset a partition resumes from, or None when PostgreSQL needs records Kafka no longer has.

    needed: PostgreSQL's position (0 without a row: it holds nothing of the partition); committed: the group's
    committed offset (None without one); earliest: the partition's beginning offset. A committed offset before
    PostgreSQL's position wins: those records are stored already, but their Redis update may be what a crash
    interrupted, and the redelivery finishes it (stored once, counted once). Never before the beginning offset.
    """
    if needed < earliest:
        return None
    start = needed if committed is None else min(needed, committed)
    return max(start, earliest)


def next_offsets(records: Sequence[Any]) -> dict[TopicPartition, int]:
    """Max offset + 1 per partition of a polled batch: what PostgreSQL stores as positions and Kafka gets committed."""
    last: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        last[tp] = max(last.get(tp, r.offset), r.offset)
    return {tp: offset + 1 for tp, offset in last.items()}


def first_offsets(records: Sequence[Any]) -> dict[TopicPartition, int]:
    """Min offset per partition of a polled batch."""
    first: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        first[tp] = min(first.get(tp, r.offset), r.offset)
    return first


def forget_parked_records(consumer: KafkaConsumer, tp: TopicPartition) -> None:
    """Drop what kafka-python 3.0.12 parked for a partition paused while it held fetched records: it restores parked
    records only while its in-line slot is None, which it never is again once a batch was drained, and fetches no
    partition that has parked records, so the partition would never be fetched again after resume. The caller has
    just sought the partition, which makes those records obsolete anyway. (Private attribute of the pinned version,
    looked up defensively.)"""
    parked = getattr(getattr(consumer, "_fetcher", None), "_paused_partition_records", None)
    if isinstance(parked, dict):
        parked.pop(tp, None)


class ReplayKeeper(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python ships no type information
    """Positions the worker's partitions from PostgreSQL and keeps the replay gaps; one per consumer process."""

    def __init__(self, consumer: KafkaConsumer, store: BatchStore, settings: Settings) -> None:
        self._consumer = consumer
        self._store = store
        self._settings = settings
        self.log = get_logger("consumer.replay")
        self.pending: set[TopicPartition] = set()  # assigned, paused until positioned
        self.gaps: dict[TopicPartition, ReplayGap] = {}
        self._expected: dict[TopicPartition, int] = {}  # the next offset each positioned partition must deliver
        self._replay_until: dict[TopicPartition, int] = {}  # committed offsets a replay must reach
        self._logged: set[tuple[TopicPartition, int]] = set()
        self._due = 0.0
        self._backoff = 0.2
        # a member of the group since the last assignment (an empty one too); set on kafka-python's IO thread
        self.joined = False
        self.unjoined_since = time.monotonic()

    @property
    def open_gaps(self) -> int:
        """Partitions of this consumer paused on a replay gap."""
        return len(self.gaps)

    def out_of_group_for(self) -> float:
        """Seconds since this consumer was last a member of its group (0 while it is one)."""
        return 0.0 if self.joined else time.monotonic() - self.unjoined_since

    @property
    def replaying(self) -> bool:
        """Some partition replays records the group had committed (Redis is held back)."""
        return bool(self._replay_until)

    # ---- rebalance listener: on kafka-python's IO thread, so no blocking call here --------------------------
    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        """Pause the new partitions until the loop has positioned them."""
        self.joined = True
        tps = set(assigned)
        if tps:
            self._consumer.pause(*tps)
            self.pending |= tps
            self._due = 0.0

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        """Forget what was kept for partitions another consumer takes over."""
        self.joined = False
        self.unjoined_since = time.monotonic()
        for tp in revoked:
            self.pending.discard(tp)
            self.gaps.pop(tp, None)
            self._expected.pop(tp, None)
            self._replay_until.pop(tp, None)
        self._store.hold_redis = self.replaying  # released: the next store or idle turn rebuilds the counters

    # ---- the worker's loop ------------------------------------------------------------------------------------
    def settle(self) -> None:
        """Position the partitions waiting for it: new ones at once, a failed lookup again after a backoff, gapped
        ones every VOTELAB_CONSUMER_GAP_CHECK_S."""
        if not self.pending or time.monotonic() < self._due:
            return
        try:
            self._position(sorted(self.pending))
        except (TransientFailure, KafkaError, ValueError, AssertionError) as exc:
            # ValueError/AssertionError: kafka-python refusing a seek or lookup on a partition revoked meanwhile
            self.log.warning(
                "partition_positions_unavailable",
                error=f"{type(exc).__name__}: {exc}",
                partitions=sorted(tp.partition for tp in self.pending),
                retry_s=self._backoff,
            )
            self._due = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, self._settings.consumer_backoff_max_s)
            return
        self._backoff = 0.2
        self._due = time.monotonic() + self._settings.consumer_gap_check_s if self.pending else 0.0

    def _position(self, tps: list[TopicPartition]) -> None:
        positions = {topic: self._store.read_positions(topic) for topic in {tp.topic for tp in tps}}
        earliest = self._consumer.beginning_offsets(tps, timeout_ms=_LOOKUP_TIMEOUT_MS)
        for tp in tps:
            committed = self._consumer.committed(tp, timeout_ms=_LOOKUP_TIMEOUT_MS)
            needed = positions[tp.topic].get(tp.partition, 0)
            first = int(earliest[tp])
            start = plan_start(needed, committed, first)
            if start is None:
                self._gap(tp, needed, first)
                continue
            self._consumer.seek(tp, start)
            forget_parked_records(self._consumer, tp)
            self._consumer.resume(tp)
            self.pending.discard(tp)
            self._expected[tp] = start
            if committed is not None and start < committed:
                self._replay_until[tp] = committed
                self._store.hold_redis = True  # before any record of it can be polled
            gap = self.gaps.pop(tp, None)
            self.log.info(
                "replay_gap_resumed" if gap else "partition_positioned",
                topic=tp.topic,
                partition=tp.partition,
                start=start,
                postgresql_position=needed,
                committed=committed,
                earliest=first,
                replay_until=self._replay_until.get(tp),
            )

    def _gap(self, tp: TopicPartition, needed: int, earliest: int) -> None:
        known = self.gaps.get(tp)
        if known is None or (known.needed_offset, known.earliest_offset) != (needed, earliest):
            self.gaps[tp] = self._store.record_gap(tp.topic, tp.partition, needed, earliest)
        if (tp, needed) in self._logged:
            return
        self._logged.add((tp, needed))
        self.log.error(
            "replay_gap",
            topic=tp.topic,
            partition=tp.partition,
            needed_offset=needed,
            earliest_offset=earliest,
            missing=earliest - needed,
            action="partition paused, others continue; to give these records up: python -m app.tools.replay_gap "
            f"accept --topic {tp.topic} --partition {tp.partition} --confirm",
        )

    def admit(self, records: Sequence[Any]) -> list[Any]:
        """The polled records that may be stored: none of a partition waiting for its position, and none of one
        whose records start past where it stood while Kafka no longer has the offsets between (its fetch was reset
        to the beginning); that partition is paused and positioned again, which finds the gap."""
        firsts = first_offsets(records)
        dropped: set[TopicPartition] = set()
        for tp, first in firsts.items():
            expected = self._expected.get(tp)
            if tp in self.pending or (expected is not None and first > expected and self._records_lost(tp, expected)):
                dropped.add(tp)
        if not dropped:
            return list(records)
        for tp in dropped - self.pending:
            self.log.warning(
                "partition_skipped_ahead",
                topic=tp.topic,
                partition=tp.partition,
                expected=self._expected.get(tp),
                first_polled=firsts[tp],
            )
            self._consumer.pause(tp)
            self.pending.add(tp)
            self._expected.pop(tp, None)
            self._due = 0.0
        return [r for r in records if TopicPartition(r.topic, r.partition) not in dropped]

    def _records_lost(self, tp: TopicPartition, expected: int) -> bool:
        """Whether Kafka's beginning offset passed `expected` (offsets skipped for another reason, such as
        transaction markers, are no loss); an unanswered lookup counts as lost, so the partition is checked again."""
        try:
            earliest = self._consumer.beginning_offsets([tp], timeout_ms=_LOOKUP_TIMEOUT_MS)
        except KafkaError:
            return True
        return int(earliest[tp]) > expected

    def advance(self, stored: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """A batch is stored up to these next offsets; returns those to commit to Kafka (not a replaying
        partition's: the group committed further already). Ends the replay, and rebuilds Redis, when every
        replaying partition has caught up."""
        was_replaying = self.replaying
        commit: dict[TopicPartition, int] = {}
        for tp, offset in stored.items():
            self._expected[tp] = offset
            until = self._replay_until.get(tp)
            if until is not None and offset < until:
                continue
            if self._replay_until.pop(tp, None) is not None:
                self.log.info("replay_caught_up", topic=tp.topic, partition=tp.partition, offset=offset)
            commit[tp] = offset
        if was_replaying and not self.replaying:
            self._store.hold_redis = False
            self.log.info("replay_finished", redis_rebuilt=self._store.catch_up_redis())
        return commit
