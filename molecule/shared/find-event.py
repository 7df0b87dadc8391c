#!/usr/bin/env python3
"""Reads a topic from the beginning on the control node (kafka-python) until a record containing a marker
appears; exits non-zero if none does within the timeout. Proves a service published what it accepted."""
import argparse
import sys
import time

from kafka import KafkaConsumer, TopicPartition

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--contains", required=True)
parser.add_argument("--timeout", type=float, default=30.0)
args = parser.parse_args()

# No consumer group: assign every partition and read from the start (a group join costs seconds).
consumer = KafkaConsumer(bootstrap_servers=args.bootstrap, group_id=None, consumer_timeout_ms=1000)
partitions = consumer.partitions_for_topic(args.topic) or set()
if not partitions:
    print(f"topic {args.topic} has no partitions", file=sys.stderr)
    sys.exit(1)
consumer.assign([TopicPartition(args.topic, p) for p in sorted(partitions)])
consumer.seek_to_beginning()
deadline = time.monotonic() + args.timeout
while time.monotonic() < deadline:
    for record in consumer:
        if args.contains.encode() in (record.value or b""):
            print(record.value.decode(errors="replace"))
            sys.exit(0)
print(f"no record containing {args.contains!r} in {args.topic} within {args.timeout}s", file=sys.stderr)
sys.exit(1)
