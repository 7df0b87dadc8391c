"""Kafka clients as every tier builds them: the producer factory (explicit durability settings) and the headers the
tiers exchange. The API publishes votes with it, the consumer dead-letters with it, the reprocess tool replays with it.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaProducer

from app.core.settings import Settings

# On a replayed message: the id of the dead_letters row it came from, so the consumer can mark that row reprocessed.
DEAD_LETTER_HEADER = "votelab-dead-letter-id"


def build_producer(settings: Settings, client_id: str, **overrides: Any) -> KafkaProducer:
    """A producer with explicit durability settings (kafka-python's defaults changed between releases); client_id
    names the tier in the broker's logs and quotas."""
    timeout_ms = int(settings.publish_timeout_s * 1000)
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_list(),
        "acks": "all",
        "enable_idempotence": True,
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": settings.producer_linger_ms,
        "batch_size": 64 * 1024,
        "max_block_ms": timeout_ms,
        "request_timeout_ms": max(1000, timeout_ms - 500),
        "delivery_timeout_ms": timeout_ms + 2000,
        "reconnect_backoff_max_ms": 1000,
        "client_id": client_id,
        "allow_auto_create_topics": False,  # topics come from the kafka role / ensure_topics() with their partitions
    }
    config.update(overrides)
    return KafkaProducer(**config)
