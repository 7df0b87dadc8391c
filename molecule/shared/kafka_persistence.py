#!/usr/bin/env python3
"""What a real broker keeps across a restart, checked from the control node with kafka-python.

  write STATE  produce --count unique messages (acks=all, idempotent), read them with the consumer group
               --group and commit; the messages and the group's committed offsets go to the file STATE
  check STATE  after the broker restarted: every message of STATE is in the log exactly once, the group's
               committed offsets are unchanged, and the group resumes after them (a new message is the first it reads)
Exits non-zero with the reason on the first difference.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


def group_consumer(args: argparse.Namespace) -> KafkaConsumer:
    return KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
    )


def committed_offsets(args: argparse.Namespace) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
    try:
        offsets = admin.list_group_offsets({args.group: None}).get(args.group, {})
    finally:
        admin.close()
    return {str(tp.partition): meta.offset for tp, meta in offsets.items() if tp.topic == args.topic}


def write(args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex
    markers = [f"persist-{run}-{i}" for i in range(args.count)]
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", enable_idempotence=True)
    for marker in markers:
        producer.send(args.topic, value=marker.encode())
    producer.flush(timeout=args.timeout)
    producer.close()

    consumer = group_consumer(args)
    wanted, deadline = set(markers), time.monotonic() + args.timeout
    last: dict[TopicPartition, int] = {}
    while wanted and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            for record in batch:
                wanted.discard(record.value.decode(errors="replace"))
                tp = TopicPartition(record.topic, record.partition)
                last[tp] = max(last.get(tp, -1), record.offset)
    if wanted:
        fail(f"the group read {args.count - len(wanted)} of {args.count} messages within {args.timeout}s")
    consumer.commit({tp: OffsetAndMetadata(offset + 1, "", -1) for tp, offset in last.items()})
    consumer.close()
    state = {"markers": markers, "committed": committed_offsets(args)}
    Path(args.state).write_text(json.dumps(state))
    print(f"wrote {args.count} messages, group {args.group} committed {state['committed']}")


def check(args: argparse.Namespace) -> None:
    state = json.loads(Path(args.state).read_text())
    markers: list[str] = state["markers"]

    reader = KafkaConsumer(bootstrap_servers=args.bootstrap, group_id=None, consumer_timeout_ms=3000)
    # a broker that has just restarted may answer the first metadata request before it knows the topic's partitions
    known: set[int] = set()
    deadline = time.monotonic() + args.timeout
    while not known and time.monotonic() < deadline:
        known = reader.partitions_for_topic(args.topic) or set()
        if not known:
            time.sleep(1)
    if not known:
        fail(f"the broker reported no partitions of {args.topic} within {args.timeout}s after the restart")
    partitions = [TopicPartition(args.topic, p) for p in sorted(known)]
    reader.assign(partitions)
    reader.seek_to_beginning(*partitions)
    seen: dict[str, int] = {}
    for record in reader:
        value = record.value.decode(errors="replace")
        if value in markers:
            seen[value] = seen.get(value, 0) + 1
    reader.close()
    missing = [m for m in markers if m not in seen]
    twice = [m for m, n in seen.items() if n > 1]
    if missing or twice:
        fail(f"after the restart: {len(missing)} messages missing, {len(twice)} stored more than once")

    committed = committed_offsets(args)
    if committed != state["committed"]:
        fail(f"group {args.group} committed offsets changed: {state['committed']} before, {committed} after")

    marker = f"after-restart-{uuid.uuid4().hex}"
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", enable_idempotence=True)
    producer.send(args.topic, value=marker.encode()).get(timeout=args.timeout)
    producer.close()
    consumer = group_consumer(args)
    first = None
    deadline = time.monotonic() + args.timeout
    while first is None and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500, max_records=1).values():
            first = batch[0].value.decode(errors="replace")
    consumer.close()
    if first != marker:
        fail(f"the group did not resume after its committed offsets: first message read {first!r}")
    print(f"after the restart: {len(markers)} messages once each, offsets {committed} kept, the group resumed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=["write", "check"])
    parser.add_argument("state", help="file that carries the messages and offsets from write to check")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="molecule-verify")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    write(args) if args.phase == "write" else check(args)


if __name__ == "__main__":
    main()
