#!/usr/bin/env python3
"""Reads a topic from the beginning on the control node (kafka-python) until a record containing a marker
appears; exits non-zero if none does within the timeout. Proves a service published what it accepted.
kafka_roundtrip.py imports find_record from here."""
import argparse
import sys
import time

from kafka import KafkaConsumer, TopicPartition


def find_record(bootstrap: str, topic: str, contains: bytes, timeout: float) -> bytes | None:
    """The first record value of `topic` holding `contains`, or None when none shows up within `timeout` s."""
    # No consumer group: assign every partition and read from the start (a group join costs seconds).
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, consumer_timeout_ms=1000)
    partitions = consumer.partitions_for_topic(topic) or set()
    if not partitions:
        print(f"topic {topic} has no partitions", file=sys.stderr)
        sys.exit(1)
    try:
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in consumer:
                if contains in (record.value or b""):
                    return bytes(record.value)
        return None
    finally:
        consumer.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--contains", required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    found = find_record(args.bootstrap, args.topic, args.contains.encode(), args.timeout)
    if found is None:
        print(f"no record containing {args.contains!r} in {args.topic} within {args.timeout}s", file=sys.stderr)
        sys.exit(1)
    print(found.decode(errors="replace"))
