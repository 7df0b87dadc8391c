"""Dead-letter queue: messages that can never succeed go to vote-events-dlq with the error and original payload."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from kafka import KafkaProducer

from app.consumer.pg_store import DeadLetter
from app.core.tracker import now_iso


def guess_vote_id(payload: bytes | None) -> str | None:
    """The vote id of a poison message when one is readable, so the tracker can show `dead_lettered`."""
    try:
        data = json.loads(payload or b"")
        return str(uuid.UUID(str(data["vote_id"])))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def dlq_value(letter: DeadLetter) -> bytes:
    """The DLQ record: error, source position and the original payload (base64, plus text when it is UTF-8)."""
    raw = letter.payload or b""
    doc: dict[str, Any] = {
        "error": letter.error,
        "source": {"topic": letter.topic, "partition": letter.partition, "offset": letter.offset},
        "vote_id": letter.vote_id,
        "failed_at": now_iso(),
        "payload_base64": base64.b64encode(raw).decode(),
    }
    try:
        doc["payload_text"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        doc["payload_text"] = None
    return json.dumps(doc).encode()


def publish_dead_letters(producer: KafkaProducer, topic: str, letters: list[DeadLetter], timeout_s: float) -> None:
    """Send and wait for the broker's acknowledgement of every dead letter (raises on failure)."""
    futures = [producer.send(topic, value=dlq_value(letter)) for letter in letters]
    for future in futures:
        future.get(timeout=timeout_s)
