"""Event schema: what the consumer accepts and why it rejects the rest."""

from __future__ import annotations

import json
import uuid

import pytest

from app.core.domain import PoisonMessage, VoteEvent, VoteRequest, new_vote_id, parse_event


def _event(**changes: object) -> bytes:
    doc = {
        "schema_version": 1,
        "vote_id": str(uuid.uuid4()),
        "user_id": "anonymous-1",
        "candidate_id": "monthly",
        "vote_type": "for",
        "voted_at": "2026-01-01T00:00:00+00:00",
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def test_valid_event_round_trips() -> None:
    event = VoteEvent.from_request(VoteRequest(user_id="u-1", candidate_id="biweekly", vote_type="against"))
    parsed = parse_event(event.to_bytes())
    assert parsed == event
    assert parsed.vote_id.version == 4


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (None, "empty"),
        (_event(schema_version=2), "unknown schema_version 2"),
        (_event(schema_version=None), "unknown schema_version"),
        (_event(candidate_id="weekly"), "candidate_id"),
        (_event(vote_type="maybe"), "vote_type"),
        (_event(vote_id="nope"), "vote_id"),
        (_event(user_id="x" * 65), "user_id"),
        (_event(voted_at="2026-01-01T00:00:00"), "time zone"),
        # lax coercions pydantic would accept: the API never writes these, so they are foreign or corrupted
        (_event(schema_version=True), "unknown schema_version true"),
        (_event(schema_version=1.0), "unknown schema_version 1.0"),
        (_event(schema_version="1"), "unknown schema_version"),
        (_event(voted_at=1700000000), "voted_at"),
        (_event(voted_at="1700000000"), "voted_at"),
        (_event(vote_id="{6f1c1c1e-1111-4111-8111-111111111111}"), "vote_id"),
        (_event(vote_id="urn:uuid:6f1c1c1e-1111-4111-8111-111111111111"), "vote_id"),
        (_event(vote_id="6f1c1c1e111141118111111111111111"), "vote_id"),
        (_event(vote_id=None), "vote_id"),
    ],
)
def test_poison_messages_say_why(raw: bytes | None, reason: str) -> None:
    with pytest.raises(PoisonMessage, match=reason):
        parse_event(raw)


def test_vote_ids_are_unique_v4() -> None:
    ids = {new_vote_id() for _ in range(10000)}
    assert len(ids) == 10000
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)


def test_idempotency_key_becomes_vote_id() -> None:
    key = uuid.uuid4()
    event = VoteEvent.from_request(VoteRequest(user_id="u", candidate_id="monthly", vote_type="for"), key)
    assert event.vote_id == key
