"""Replay dead-lettered messages: republish each pending dead letter's payload to the vote topic (used by the admin
endpoint and by `python -m app.tools.reprocess`).

A payload is republished only when it now parses as a valid event (after optional operator fixes given with
--set field=value), so garbage never loops between the topics. Idempotency makes a replay safe: the vote id is
kept (or derived deterministically from the dead letter's source position when the payload had none), and the
consumer marks the dead letter `reprocessed` when it stores the event (header votelab-dead-letter-id).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from app.core.broker import DEAD_LETTER_HEADER, build_producer
from app.core.db import connect
from app.core.domain import PoisonMessage, parse_event
from app.core.logs import get_logger
from app.core.pg_queries import pending_dead_letters
from app.core.settings import Settings

_REPLAY_NAMESPACE = uuid.UUID("6f0c1d2e-6a43-4d55-9a1e-5b7c2f7e0d11")


@dataclass
class ReprocessReport:
    """What a replay did with each pending dead letter."""

    republished: list[dict[str, Any]] = field(default_factory=list)
    still_invalid: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


def fixed_payload(letter: dict[str, Any], overrides: dict[str, str]) -> bytes:
    """The dead letter's payload with operator fixes applied (and a deterministic vote id if it had none)."""
    raw = letter["payload"]
    try:
        data = json.loads(raw) if raw is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict):
        if not overrides:
            return raw or b""
        data = {}
    data.update(overrides)
    if "schema_version" in overrides:
        data["schema_version"] = int(overrides["schema_version"])
    if not data.get("vote_id"):
        position = f"{letter['source_partition']}:{letter['source_offset']}"
        data["vote_id"] = str(uuid.uuid5(_REPLAY_NAMESPACE, position))
    return json.dumps(data).encode()


def reprocess(
    settings: Settings, ids: list[int] | None = None, overrides: dict[str, str] | None = None
) -> ReprocessReport:
    """Republish the pending dead letters (all, or the given ids) that are valid now."""
    log = get_logger("reprocess")
    conn = connect(settings)
    try:
        letters = pending_dead_letters(conn, ids)
    finally:
        conn.close()
    report = ReprocessReport()
    if not letters:
        return report
    producer = build_producer(settings, client_id="votelab-reprocess")
    try:
        futures = []
        for letter in letters:
            payload = fixed_payload(letter, overrides or {})
            try:
                event = parse_event(payload)
            except PoisonMessage as exc:
                report.still_invalid.append({"id": letter["id"], "error": str(exc)})
                continue
            headers = [(DEAD_LETTER_HEADER, str(letter["id"]).encode())]
            future = producer.send(settings.kafka_topic, key=event.user_id.encode(), value=payload, headers=headers)
            futures.append((letter["id"], str(event.vote_id), future))
        for letter_id, vote_id, future in futures:
            future.get(timeout=settings.publish_timeout_s + 5)
            report.republished.append({"id": letter_id, "vote_id": vote_id})
    finally:
        producer.close(timeout=5)
    log.info("dead_letters_reprocessed", republished=len(report.republished), invalid=len(report.still_invalid))
    return report
