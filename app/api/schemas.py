"""Response models of the API (they document the OpenAPI schema)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field


class VoteAccepted(BaseModel):
    """202 answer: the broker acknowledged the vote event."""

    vote_id: uuid.UUID
    status: Literal["accepted"] = "accepted"


class VoteValidated(BaseModel):
    """Answer of the validation-only endpoint (benchmark ceiling)."""

    valid: Literal[True] = True


class CandidateResult(BaseModel):
    """Counts of one candidate."""

    model_config = {"populate_by_name": True}

    for_: int = Field(alias="for", serialization_alias="for")
    against: int
    total: int


class ResultsResponse(BaseModel):
    """GET /api/results: per-candidate counts; source says whether Redis or the PostgreSQL fallback answered."""

    results: dict[str, CandidateResult]
    source: Literal["redis", "postgresql"]
    degraded: bool = Field(description="true when Redis failed and PostgreSQL answered")


class VoteState(BaseModel):
    """A vote's processing state from the message tracker."""

    vote_id: uuid.UUID
    status: Literal["accepted", "stored", "superseded", "duplicate", "failed", "dead_lettered"]
    timestamps: dict[str, str]
    source: Literal["redis", "postgresql"]
    error: str | None = None


class Health(BaseModel):
    """Liveness and the running release."""

    status: Literal["ok"] = "ok"
    version: str


class Readiness(BaseModel):
    """Readiness: each dependency's state."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str]


class ErrorBody(BaseModel):
    """Error answers (503, 401, 404, 413)."""

    detail: Any
