"""Synthetic vote events for the benchmarks: distinct voters, both candidates, both vote types."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.core.domain import Candidate, VoteEvent, VoteType


def synthetic_event(prefix: str, i: int, voted_at: datetime) -> VoteEvent:
    """The i-th event of a run: voter `{prefix}-{i}`, alternating candidates, two thirds `for`."""
    return VoteEvent(
        schema_version=1,
        vote_id=uuid.uuid4(),
        user_id=f"{prefix}-{i}",
        candidate_id=Candidate.MONTHLY if i % 2 else Candidate.BIWEEKLY,
        vote_type=VoteType.FOR if i % 3 else VoteType.AGAINST,
        voted_at=voted_at,
    )
