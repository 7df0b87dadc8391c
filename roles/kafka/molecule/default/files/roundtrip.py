#!/usr/bin/env python3
"""Produces one unique message to a topic and consumes it back (the broker's end-to-end proof), run on the
control node with kafka-python. Exits non-zero unless the message comes back within the timeout."""
import argparse
import sys
import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--timeout", type=float, default=30.0)
args = parser.parse_args()

marker = f"molecule-{uuid.uuid4()}".encode()
producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all")
meta = producer.send(args.topic, value=marker).get(timeout=args.timeout)
producer.close()

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
        if record.value == marker:
            print(f"round trip ok: {args.topic} partition {meta.partition} offset {meta.offset}")
            sys.exit(0)
consumer.close()
print(f"message not consumed back from {args.topic} within {args.timeout}s", file=sys.stderr)
sys.exit(1)
