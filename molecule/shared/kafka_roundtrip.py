#!/usr/bin/env python3
"""Produces one unique message to a topic and consumes it back (the broker's end-to-end proof), run on the
control node with kafka-python. Exits non-zero unless the message comes back within the timeout."""
import argparse
import sys
import uuid

from find_event import find_record  # beside this script
from kafka import KafkaProducer

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--timeout", type=float, default=30.0)
args = parser.parse_args()

marker = f"molecule-{uuid.uuid4()}".encode()
producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all")
meta = producer.send(args.topic, value=marker).get(timeout=args.timeout)
producer.close()

if find_record(args.bootstrap, args.topic, marker, args.timeout) != marker:
    print(f"message not consumed back from {args.topic} within {args.timeout}s", file=sys.stderr)
    sys.exit(1)
print(f"round trip ok: {args.topic} partition {meta.partition} offset {meta.offset}")
