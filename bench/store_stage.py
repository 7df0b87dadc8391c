"""The consumer's storage step alone: batches of events through BatchStore (PostgreSQL + Redis), no broker."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from app.consumer.batch import BatchStore
from app.consumer.pg_store import Delivery
from bench.synthetic import synthetic_event
from devstack import Stack

# The positions the batches record, as the consumer's do: under a topic no consumer reads, so the bench stack's
# positions of the real topic stay what its consumer wrote.
POSITIONS_TOPIC = "bench-store-stage"


def store_rate(stack: Stack, count: int = 20000, with_positions: bool = True) -> float:
    """Votes per second stored in batches of the consumer's batch size (VOTELAB_CONSUMER_BATCH_SIZE), each with its
    PostgreSQL positions (with_positions=False leaves them out, to measure what they cost)."""
    now = datetime.now(UTC)
    prefix = f"store-{uuid.uuid4().hex[:8]}"
    deliveries = [
        Delivery(
            synthetic_event(prefix, i, now),
            0,
            i,
        )
        for i in range(count)
    ]
    settings = stack.settings()
    batch_size = settings.consumer_batch_size
    store = BatchStore(settings)
    try:
        started = time.perf_counter()
        for i in range(0, count, batch_size):
            batch = deliveries[i : i + batch_size]
            positions = {(POSITIONS_TOPIC, 0): batch[-1].offset + 1} if with_positions else None
            store.store(batch, positions=positions)
        return count / (time.perf_counter() - started)
    finally:
        store.close()
