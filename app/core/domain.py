"""The vote domain: candidates, vote types, the API request body and the event schema (version 1) on the topic."""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SCHEMA_VERSION: Literal[1] = 1
USER_ID_MAX = 64
USER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]+$"
_CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NUMERIC = re.compile(r"^\s*[-+]?[0-9.eE+-]+\s*$")


class _VoteIds:
    """Random version-4 UUIDs from a per-process generator seeded by the OS (reseeded after fork): os.urandom per
    vote costs a system call, which is slow on sandboxed hosts; vote ids need uniqueness, not secrecy."""

    def __init__(self) -> None:
        self._rng = random.Random(os.urandom(32))
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        """New seed (after fork, so parent and child never share a sequence)."""
        self._rng = random.Random(os.urandom(32))

    def new(self) -> uuid.UUID:
        """A fresh random UUID (version 4)."""
        value = self._rng.getrandbits(128)
        value &= ~(0xF000 << 64)
        value |= 0x4000 << 64
        value &= ~(0xC000 << 48)
        value |= 0x8000 << 48
        return uuid.UUID(int=value)


new_vote_id = _VoteIds().new


class Candidate(StrEnum):
    """What the team votes on: how often to hold a team dinner."""

    MONTHLY = "monthly"
    BIWEEKLY = "biweekly"


class VoteType(StrEnum):
    """A voter is for or against a candidate."""

    FOR = "for"
    AGAINST = "against"


CANDIDATES: tuple[str, ...] = tuple(c.value for c in Candidate)
VOTE_TYPES: tuple[str, ...] = tuple(t.value for t in VoteType)


class VoteRequest(BaseModel):
    """Body of POST /api/vote."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"user_id": "anonymous-3f9a1c", "candidate_id": "monthly", "vote_type": "for"}]}
    )

    user_id: str = Field(min_length=1, max_length=USER_ID_MAX, pattern=USER_ID_PATTERN)
    candidate_id: Candidate
    vote_type: VoteType


class VoteEvent(BaseModel):
    """One vote as published to the vote-events topic (schema version 1); the consumer accepts nothing else."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: Literal[1]
    vote_id: uuid.UUID
    user_id: str = Field(min_length=1, max_length=USER_ID_MAX, pattern=USER_ID_PATTERN)
    candidate_id: Candidate
    vote_type: VoteType
    voted_at: datetime

    @classmethod
    def from_request(cls, body: VoteRequest, vote_id: uuid.UUID | None = None) -> VoteEvent:
        """A new event for a validated request; vote_id comes from the Idempotency-Key when given."""
        return cls(
            schema_version=SCHEMA_VERSION,
            vote_id=vote_id or new_vote_id(),
            user_id=body.user_id,
            candidate_id=body.candidate_id,
            vote_type=body.vote_type,
            voted_at=datetime.now(UTC),
        )

    def to_bytes(self) -> bytes:
        """The JSON value written to the topic."""
        return self.model_dump_json().encode()


class PoisonMessage(Exception):
    """A message that can never be processed (bad JSON, unknown schema, invalid fields)."""


def parse_event(raw: bytes | None) -> VoteEvent:
    """Decode a topic value into a VoteEvent, or raise PoisonMessage saying why."""
    if raw is None:
        raise PoisonMessage("empty message value")
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PoisonMessage("message is not a JSON object")
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:  # `True == 1` and `1.0 == 1` in Python
        raise PoisonMessage(f"unknown schema_version {json.dumps(version)[:40]}")
    wrong = _lax_only_fields(data)
    if wrong:
        raise PoisonMessage(f"invalid fields: {wrong}")
    try:
        event = VoteEvent.model_validate(data)
    except ValidationError as exc:
        fields = ",".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise PoisonMessage(f"invalid fields: {fields}") from exc
    if event.voted_at.tzinfo is None:
        raise PoisonMessage("voted_at has no time zone")
    return event


def _lax_only_fields(data: dict[str, Any]) -> str:
    """Fields pydantic's lax mode would coerce although the producer never writes them so: a numeric voted_at (read
    as a Unix time) and non-canonical vote ids (braces, urn:uuid:, bare hex). Events carry exactly what the API
    writes; anything else is a foreign or corrupted producer."""
    wrong = []
    vote_id = data.get("vote_id")
    if not isinstance(vote_id, str) or not _CANONICAL_UUID.match(vote_id):
        wrong.append("vote_id")
    voted_at = data.get("voted_at")
    if not isinstance(voted_at, str) or _NUMERIC.match(voted_at):
        wrong.append("voted_at")
    return ",".join(wrong)
