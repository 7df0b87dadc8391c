"""Consumer fuzzing on the real consumer: malformed records produced straight to vote-events (random bytes, non-object
JSON, missing fields, wrong types, oversized values, unknown candidates and types, invalid or non-canonical UUIDs,
wrong schema versions, bad timestamps, empty values, null or odd keys), interleaved with valid votes. Every malformed
record must land in vote-events-dlq and the dead_letters table with its error and be counted nowhere; every valid
vote is stored and counted exactly once; the consumer process never stops.

Seeded (VOTELAB_FUZZ_SEED) and bounded (VOTELAB_FUZZ_RECORDS malformed records); the figures go to
test-artifacts/security/consumer-fuzz.json.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from app.core.consistency import check
from devstack import Stack
from tests.conftest import wait_for

SEED = int(os.environ.get("VOTELAB_FUZZ_SEED", "20261125"))
MALFORMED = int(os.environ.get("VOTELAB_FUZZ_RECORDS", "2000"))
VALID_EVERY = 4  # one valid vote after every few malformed records
TOPIC = "vote-events"
DLQ_TOPIC = "vote-events-dlq"
FIELDS = ("schema_version", "vote_id", "user_id", "candidate_id", "vote_type", "voted_at")


def good_event(rng: random.Random, voter: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "vote_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "user_id": voter,
        "candidate_id": rng.choice(["monthly", "biweekly"]),
        "vote_type": rng.choice(["for", "against"]),
        "voted_at": datetime.now(UTC).isoformat(),
    }


def _junk(rng: random.Random) -> Any:
    return rng.choice([0, -1, 2**70, 1.5, True, False, None, [], [1, "a"], {}, {"a": 1}, "", " ", "\u0000", "💥"])


def _bad_voter(rng: random.Random) -> str:
    return f"fuzzbad-{rng.getrandbits(40):x}"


def _json(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def make_malformed(rng: random.Random) -> tuple[str, bytes | None]:
    """(category, value) of one record the consumer must refuse."""
    event = good_event(rng, _bad_voter(rng))
    kind = rng.choice(
        ["random_bytes", "not_object", "missing_field", "wrong_type", "oversized", "unknown_value", "bad_uuid",
         "bad_schema_version", "bad_voted_at", "empty_value", "truncated_json", "extra_nesting"]
    )  # fmt: skip
    if kind == "random_bytes":
        return kind, rng.randbytes(rng.randint(0, 300))
    if kind == "not_object":
        return kind, _json(rng.choice([[event], 1, "vote", None, True, [], 1.5]))
    if kind == "missing_field":
        for name in rng.sample(FIELDS, rng.randint(1, len(FIELDS))):
            del event[name]
        return kind, _json(event)
    if kind == "wrong_type":
        name = rng.choice(FIELDS)
        event[name] = _junk(rng)
        if name == "schema_version" and event[name] == 1 and type(event[name]) is int:
            event[name] = "1"
        return kind, _json(event)
    if kind == "oversized":
        name = rng.choice(["user_id", "candidate_id", "vote_type", "vote_id", "voted_at"])
        event[name] = "x" * rng.choice([65, 1000, 65536])
        return kind, _json(event)
    if kind == "unknown_value":
        name = rng.choice(["candidate_id", "vote_type"])
        event[name] = rng.choice(["weekly", "MONTHLY", "Monthly ", "maybe", "for;DROP TABLE ballots", "biweekly\u0000"])
        return kind, _json(event)
    if kind == "bad_uuid":
        vote_id = event["vote_id"]
        event["vote_id"] = rng.choice(
            ["nope", vote_id[:-1], vote_id + "0", "{" + vote_id + "}", "urn:uuid:" + vote_id, vote_id.replace("-", ""),
             vote_id.replace("-", "_"), ""]
        )  # fmt: skip
        return kind, _json(event)
    if kind == "bad_schema_version":
        event["schema_version"] = rng.choice([0, 2, -1, 99, "1", 1.0, True, None, [1]])
        return kind, _json(event)
    if kind == "bad_voted_at":
        event["voted_at"] = rng.choice(
            ["2026-01-01T00:00:00", "yesterday", "", "1700000000", 1700000000, "2026-13-40T99:00Z"]
        )
        return kind, _json(event)
    if kind == "empty_value":
        return kind, rng.choice([None, b""])
    if kind == "truncated_json":
        raw = _json(event)
        return kind, raw[: rng.randint(1, len(raw) - 1)]
    event["user_id"] = {"nested": event["user_id"]}
    return kind, _json(event)


def make_key(rng: random.Random, voter: str) -> bytes | None:
    return rng.choice([None, b"", voter.encode(), rng.randbytes(rng.randint(1, 40))])


def _dlq_sources(stack: Stack) -> dict[tuple[int, int], str]:
    """(source partition, source offset) → error of every DLQ record from the vote topic."""
    consumer = KafkaConsumer(bootstrap_servers=stack.bootstrap_servers, consumer_timeout_ms=2000)
    try:
        partitions = [TopicPartition(DLQ_TOPIC, p) for p in consumer.partitions_for_topic(DLQ_TOPIC) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found = {}
        for record in consumer:
            doc = json.loads(record.value)
            if doc["source"]["topic"] == TOPIC:
                found[(doc["source"]["partition"], doc["source"]["offset"])] = doc["error"]
        return found
    finally:
        consumer.close()


def test_malformed_records_are_dead_lettered_and_valid_ones_counted_once(stack: Stack, artifacts: Path) -> None:
    rng = random.Random(SEED)
    consumer_pid = stack.handles["consumer"].pid
    producer = KafkaProducer(
        bootstrap_servers=stack.bootstrap_servers, acks="all", enable_idempotence=True, max_request_size=2**20
    )
    poison: dict[tuple[int, int], str] = {}
    valid: dict[str, dict[str, Any]] = {}
    sends: list[tuple[str, Any]] = []
    try:
        for i in range(MALFORMED):
            kind, value = make_malformed(rng)
            key = make_key(rng, _bad_voter(rng))
            if value is None and key is None:
                key = b"tombstone"  # the client refuses a record with neither key nor value
            sends.append((kind, producer.send(TOPIC, key=key, value=value)))
            if i % VALID_EVERY == 0:
                voter = f"fuzzgood-{rng.getrandbits(48):x}"
                event = good_event(rng, voter)
                valid[event["vote_id"]] = event
                sends.append(("valid", producer.send(TOPIC, key=voter.encode(), value=_json(event))))
        producer.flush(timeout=60)
        kinds: Counter[str] = Counter()
        for kind, future in sends:
            meta = future.get(timeout=30)
            if kind != "valid":
                poison[(meta.partition, meta.offset)] = kind
                kinds[kind] += 1
    finally:
        producer.close()
    assert len(poison) == MALFORMED

    def letters() -> dict[tuple[int, int], str]:
        rows = stack.query(
            "SELECT source_partition, source_offset, error FROM dead_letters WHERE source_topic = %s", TOPIC
        )
        return {(p, o): e for p, o, e in rows if (p, o) in poison}

    stored = wait_for(lambda: len(letters()) == MALFORMED and letters(), 120, "every malformed record dead-lettered")
    assert all(error for error in stored.values())
    wait_for(
        lambda: len(stack.query("SELECT 1 FROM vote_events WHERE user_id LIKE 'fuzzgood-%%'")) >= len(valid),
        120,
        "every valid vote stored",
    )
    in_dlq = _dlq_sources(stack)
    missing_in_topic = [source for source in poison if source not in in_dlq]
    assert not missing_in_topic, f"{len(missing_in_topic)} malformed records missing from {DLQ_TOPIC}"

    # nothing malformed counted; every valid vote stored exactly once with its own choice
    assert stack.query("SELECT count(*) FROM ballots WHERE user_id LIKE 'fuzzbad-%%'") == [(0,)]
    assert stack.query("SELECT count(*) FROM vote_events WHERE user_id LIKE 'fuzzbad-%%'") == [(0,)]
    rows = stack.query(
        "SELECT vote_id::text, count(*) FROM vote_events WHERE user_id LIKE 'fuzzgood-%%' GROUP BY vote_id"
    )
    assert dict(rows) == {vote_id: 1 for vote_id in valid}
    ballots = stack.query("SELECT user_id, candidate_id, vote_type FROM ballots WHERE user_id LIKE 'fuzzgood-%%'")
    assert sorted(ballots) == sorted((e["user_id"], e["candidate_id"], e["vote_type"]) for e in valid.values())
    # the Redis counters agree with PostgreSQL, and the consumer is the same process as before
    report = wait_for(lambda: check(stack.settings()).consistent, 60, "Redis counters consistent with PostgreSQL")
    assert report
    assert stack.handles["consumer"].alive() and stack.handles["consumer"].pid == consumer_pid

    figures = {
        "seed": SEED,
        "malformed_records": MALFORMED,
        "valid_votes_interleaved": len(valid),
        "dead_lettered": len(stored),
        "in_dlq_topic": MALFORMED - len(missing_in_topic),
        "by_category": dict(sorted(kinds.items())),
        "consumer_restarts": 0,
    }
    (artifacts / "consumer-fuzz.json").write_text(json.dumps(figures, indent=2) + "\n")
