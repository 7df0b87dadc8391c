"""Broker administration: make sure the topics exist, and measure the consumer group's lag."""

from __future__ import annotations

import contextlib
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from app.core.settings import Settings
from app.core.topics import DEAD_LETTERS, VOTES


def _admin(settings: Settings, timeout_ms: int) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=settings.bootstrap_list(), request_timeout_ms=timeout_ms)


def ensure_topics(settings: Settings, timeout_ms: int = 10000) -> list[str]:
    """Create the vote topic and its dead-letter topic if missing, as topics.json describes them (the kafka role
    makes them first on a deployed site); returns the names created now."""
    admin = _admin(settings, timeout_ms)
    try:
        existing = set(admin.list_topics())
        wanted = {settings.kafka_topic: VOTES, settings.kafka_dlq_topic: DEAD_LETTERS}
        missing = {name: spec for name, spec in wanted.items() if name not in existing}
        if missing:
            brokers = len(admin.describe_cluster()["brokers"])
            new = [
                NewTopic(name, spec.partitions, spec.replicas_on(brokers), topic_configs=spec.configs())
                for name, spec in missing.items()
            ]
            with contextlib.suppress(TopicAlreadyExistsError):  # another process won the race
                admin.create_topics(new, timeout_ms=timeout_ms)
        return list(missing)
    finally:
        admin.close()


def topic_end_offsets(settings: Settings, topic: str, timeout_ms: int = 5000) -> dict[int, int]:
    """Latest offset of every partition of a topic."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_list(), request_timeout_ms=timeout_ms)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        ends = consumer.end_offsets(tps) if tps else {}
        return {tp.partition: int(off) for tp, off in ends.items()}
    finally:
        consumer.close()


def consumer_lag(settings: Settings, timeout_ms: int = 5000) -> dict[str, Any]:
    """Per-partition committed offset, end offset and lag of the consumer group on the vote topic."""
    ends = topic_end_offsets(settings, settings.kafka_topic, timeout_ms)
    admin = _admin(settings, timeout_ms)
    try:
        offsets = admin.list_group_offsets({settings.kafka_group_id: None})
        committed_raw = offsets.get(settings.kafka_group_id, {})
    finally:
        admin.close()
    committed = {tp.partition: meta.offset for tp, meta in committed_raw.items() if tp.topic == settings.kafka_topic}
    partitions = []
    total = 0
    for partition, end in sorted(ends.items()):
        done = committed.get(partition, -1)
        lag = end - max(done, 0)
        total += lag
        partitions.append({"partition": partition, "committed": done, "end": end, "lag": lag})
    return {
        "group": settings.kafka_group_id,
        "topic": settings.kafka_topic,
        "total_lag": total,
        "partitions": partitions,
    }
