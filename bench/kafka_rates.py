"""Broker-side measurements: prefill a topic, drain it with a bare consumer, drain it with the real consumer."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import psycopg2
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic

from app.core.broker import build_producer
from bench.synthetic import synthetic_event
from devstack import Stack
from devstack.stack import REPO_ROOT


def prefill(stack: Stack, topic: str, count: int, prefix: str) -> None:
    """Create `topic` (3 partitions) and write `count` valid vote events by distinct voters."""
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    producer = build_producer(stack.settings(), client_id="bench-prefill")  # the API's producer settings
    now = datetime.now(UTC)
    for i in range(count):
        event = synthetic_event(prefix, i, now)
        producer.send(topic, key=event.user_id.encode(), value=event.to_bytes())
    producer.flush(timeout=120)
    producer.close()


def bare_drain_rate(stack: Stack, topic: str, count: int, timeout_s: float = 120) -> float:
    """Messages per second a bare consumer group member reads and discards (first record to last)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap_servers,
        group_id=f"bench-bare-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
        session_timeout_ms=6000,
        max_poll_interval_ms=15000,
    )
    seen = 0
    first = 0.0
    deadline = time.monotonic() + timeout_s
    try:
        while seen < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                if not first and records:
                    first = time.monotonic()
                seen += len(records)
        last = time.monotonic()
    finally:
        consumer.close()
    if seen < count:
        raise RuntimeError(f"bare consumer read {seen}/{count} before the deadline")
    return count / (last - first)


def consumer_store_rate(stack: Stack, topic: str, count: int, prefix: str, timeout_s: float = 180) -> float:
    """Votes per second one `python -m app.consumer` stores, from its first stored event to the last (PostgreSQL)."""
    env = stack.env(VOTELAB_KAFKA_TOPIC=topic, VOTELAB_KAFKA_GROUP_ID=f"bench-store-{uuid.uuid4().hex[:8]}")
    log = open(stack.log_dir / "bench-consumer.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "app.consumer"], env=env, cwd=REPO_ROOT, stdout=log, stderr=log)
    conn = psycopg2.connect(stack.database_url)
    conn.autocommit = True
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT count(*), extract(epoch FROM max(stored_at) - min(stored_at)) FROM vote_events"
                    " WHERE user_id LIKE %s",
                    (f"{prefix}-%",),
                )
                stored, span = cur.fetchone()  # type: ignore[misc]
            if stored >= count:
                return float(count / float(span))
            time.sleep(0.5)
        raise RuntimeError(f"consumer stored {stored}/{count} before the deadline")
    finally:
        conn.close()
        process.terminate()
        process.wait(30)
        log.close()
