"""The consumer loop: poll a batch, dead-letter poison messages, store the rest (with PostgreSQL's positions, in the
same transaction), commit offsets only after both writes. Transient failures seek back to the batch start and retry
after a backoff (nothing skipped, nothing lost). Assigned partitions start from PostgreSQL's position and replay gaps
pause a partition (app.consumer.replay). SIGTERM finishes the current batch, commits, leaves the group and returns 0.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from app.consumer.batch import BatchStore, TransientFailure
from app.consumer.dlq import guess_vote_id, publish_dead_letters
from app.consumer.liveness import LivenessFile
from app.consumer.pg_store import DeadLetter, Delivery
from app.consumer.replay import ReplayKeeper, first_offsets, next_offsets
from app.core.broker import DEAD_LETTER_HEADER, build_producer
from app.core.domain import PoisonMessage, parse_event
from app.core.kafka_admin import ensure_topics
from app.core.logs import get_logger
from app.core.settings import Settings


def _dead_letter_id(headers: Sequence[tuple[str, bytes]] | None) -> int | None:
    for name, value in headers or ():
        if name == DEAD_LETTER_HEADER:
            try:
                return int(value)
            except ValueError:
                return None
    return None


def split_batch(records: Sequence[Any]) -> tuple[list[Delivery], list[DeadLetter]]:
    """Valid deliveries and poison messages of a polled batch, in order."""
    deliveries: list[Delivery] = []
    poison: list[DeadLetter] = []
    for r in records:
        try:
            event = parse_event(r.value)
        except PoisonMessage as exc:
            poison.append(DeadLetter(r.topic, r.partition, r.offset, r.value, str(exc), guess_vote_id(r.value)))
            continue
        deliveries.append(Delivery(event, r.partition, r.offset, _dead_letter_id(r.headers)))
    return deliveries, poison


class ConsumerWorker:
    """One consumer process of the group."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.log = get_logger("consumer")
        self.stopping = threading.Event()
        self.batches = 0
        self.stored = 0
        self._dlq_broken = False
        self.liveness = LivenessFile(settings.consumer_liveness_file)
        self.replay: ReplayKeeper | None = None

    @property
    def open_gaps(self) -> int:
        """Partitions this worker holds paused on a replay gap (for a metrics endpoint)."""
        return self.replay.open_gaps if self.replay is not None else 0

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Signal handler: stop after the current batch."""
        self.log.info("stop_requested", signal=signum)
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop gracefully."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def _wait_for_topics(self) -> None:
        delay = 0.5
        while not self.stopping.is_set():
            self.liveness.beat()
            try:
                ensure_topics(self.settings)
                return
            except (KafkaError, OSError) as exc:
                self.log.warning("broker_unavailable_waiting", error=type(exc).__name__)
                self.stopping.wait(delay)
                delay = min(delay * 2, self.settings.consumer_backoff_max_s)

    def _consumer(self) -> KafkaConsumer:
        return KafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_list(),
            group_id=self.settings.kafka_group_id,
            client_id="votelab-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.settings.consumer_batch_size,
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=max(500, self.settings.consumer_session_timeout_ms // 3),
            max_poll_interval_ms=self.settings.consumer_max_poll_interval_ms,
            fetch_max_wait_ms=100,
            reconnect_backoff_max_ms=1000,
            allow_auto_create_topics=False,  # the kafka role and ensure_topics() make topics, with their partitions
        )

    def _join(self, store: BatchStore) -> tuple[KafkaConsumer, ReplayKeeper]:
        """A new Kafka client subscribed with its replay keeper as rebalance listener (positions before any fetch)."""
        consumer = self._consumer()
        replay = self.replay = ReplayKeeper(consumer, store, self.settings)
        consumer.subscribe(topics=[self.settings.kafka_topic], listener=replay)
        return consumer, replay

    def _rejoin(
        self, consumer: KafkaConsumer, replay: ReplayKeeper, store: BatchStore
    ) -> tuple[KafkaConsumer, ReplayKeeper]:
        """Replace a client that stayed out of its group (kafka-python 3.0 can stop trying after a failed coordinator
        lookup while the broker restarted): close it without committing and join with a new one. Redis is released:
        the new keeper holds it again if its partitions still replay, otherwise the counters are rebuilt."""
        self.log.warning("consumer_rejoining", out_of_group_s=round(replay.out_of_group_for(), 1))
        with contextlib.suppress(KafkaError, OSError):
            consumer.close(autocommit=False, timeout_ms=2000)
        store.hold_redis = False
        return self._join(store)

    def run(self) -> int:
        """Consume until stopped; returns the exit code."""
        self._wait_for_topics()
        if self.stopping.is_set():
            return 0
        store = BatchStore(self.settings)
        store.check_redis_on_start()
        dlq: KafkaProducer = build_producer(self.settings, client_id="votelab-consumer-dlq")
        consumer, replay = self._join(store)
        self.log.info("consumer_started", topic=self.settings.kafka_topic, group=self.settings.kafka_group_id)
        backoff = 0.2
        assigned: set[TopicPartition] = set()
        try:
            while not self.stopping.is_set():
                self.liveness.beat()
                if replay.out_of_group_for() > self.settings.consumer_rejoin_after_s:
                    consumer, replay = self._rejoin(consumer, replay, store)
                    assigned = set()
                try:
                    polled = consumer.poll(timeout_ms=self.settings.consumer_poll_timeout_ms)
                except KafkaError as exc:
                    # kafka-python 3.0 raises a refused connection from its coordinator lookup (seen when the broker
                    # stops while the group is being joined) instead of retrying it: wait and poll again.
                    self.log.warning("poll_failed_will_retry", error=f"{type(exc).__name__}: {exc}", backoff_s=backoff)
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2, self.settings.consumer_backoff_max_s)
                    continue
                assignment = consumer.assignment()
                if assignment != assigned:
                    assigned = set(assignment)
                    self.log.info("partitions_assigned", partitions=sorted(tp.partition for tp in assigned))
                replay.settle()
                records = replay.admit([r for batch in polled.values() for r in batch])
                if not records:
                    store.maintain()
                    continue
                stored = next_offsets(records)
                try:
                    self._process(records, store, dlq, stored)
                except TransientFailure as exc:
                    self.log.warning("batch_failed_will_retry", error=str(exc), records=len(records), backoff_s=backoff)
                    self._rewind(consumer, records)
                    if self._dlq_broken:
                        dlq.close(timeout=0)
                        dlq = build_producer(self.settings, client_id="votelab-consumer-dlq")
                        self._dlq_broken = False
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2, self.settings.consumer_backoff_max_s)
                    continue
                backoff = 0.2
                self._commit(consumer, replay.advance(stored))
        finally:
            self.log.info("consumer_stopping", batches=self.batches, stored=self.stored)
            consumer.close()  # leaves the group
            dlq.close(timeout=5)
            store.close()
        return 0

    def _process(
        self, records: Sequence[Any], store: BatchStore, dlq: KafkaProducer, stored: dict[TopicPartition, int]
    ) -> None:
        deliveries, poison = split_batch(records)
        if poison:
            try:
                publish_dead_letters(dlq, self.settings.kafka_dlq_topic, poison, self.settings.publish_timeout_s + 3)
            except KafkaError as exc:
                self._dlq_broken = True  # a restarted broker may have made this producer unusable
                raise TransientFailure(f"dlq: {type(exc).__name__}") from exc
            self.log.warning("messages_dead_lettered", count=len(poison), errors=sorted({p.error for p in poison}))
        outcomes = store.store(deliveries, poison, {(tp.topic, tp.partition): off for tp, off in stored.items()})
        self.batches += 1
        self.stored += sum(1 for o in outcomes if o.state == "stored")

    def _rewind(self, consumer: KafkaConsumer, records: Sequence[Any]) -> None:
        """Seek back so the next poll returns the same records again."""
        for tp, offset in first_offsets(records).items():
            # a partition revoked meanwhile cannot be sought: its new owner starts from PostgreSQL's position anyway
            with contextlib.suppress(KafkaError, AssertionError, ValueError):
                consumer.seek(tp, offset)

    def _commit(self, consumer: KafkaConsumer, to_commit: dict[TopicPartition, int]) -> None:
        if not to_commit:
            return
        offsets = {tp: OffsetAndMetadata(off, "", -1) for tp, off in to_commit.items()}
        try:
            consumer.commit(offsets)
        except KafkaError as exc:  # redelivery is harmless: the store and the Lua marker dedupe
            self.log.warning("offset_commit_failed", error=type(exc).__name__)
