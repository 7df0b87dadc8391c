"""The Redis key schema, in one place. Python builds every key name here and hands them to the Lua scripts as KEYS,
so no script, tool or test helper of the app spells a key of its own.

- `vote_result:{candidate}`: a candidate's ballots; `vote_result:{candidate}:{vote_type}`: its ballots of one type.
- `vote_applied:{vote_id}`: marker that a vote's counter transition was applied (at most once per vote).
- `vote_status:{vote_id}`: the message tracker's hash of one vote (status, `<state>_at` timestamps, last_error).
- `votelab:counters_ready`: set when the counters were (re)built from PostgreSQL in this Redis's lifetime.
- `votelab:tracker_counts`: the tracker's aggregate count per state.
- `ratelimit:vote:{client}:{window}`: votes of one client address in one rate-limit window.
"""

from __future__ import annotations

COUNTERS_READY_KEY = "votelab:counters_ready"
TRACKER_COUNTS_KEY = "votelab:tracker_counts"


def total_key(candidate: str) -> str:
    """A candidate's total ballot count."""
    return f"vote_result:{candidate}"


def type_key(candidate: str, vote_type: str) -> str:
    """A candidate's ballot count of one vote type."""
    return f"vote_result:{candidate}:{vote_type}"


def counter_key(candidate: str, column: str) -> str:
    """The key behind one cell of the results shape (`total` or a vote type)."""
    return total_key(candidate) if column == "total" else type_key(candidate, column)


def applied_key(vote_id: str) -> str:
    """Marker: this vote's counter transition was applied."""
    return f"vote_applied:{vote_id}"


def status_key(vote_id: str) -> str:
    """The tracker hash of one vote."""
    return f"vote_status:{vote_id}"


def rate_limit_key(client: str, window: int) -> str:
    """Votes of one client address in one rate-limit window."""
    return f"ratelimit:vote:{client}:{window}"
