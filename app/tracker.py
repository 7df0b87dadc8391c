"""Message tracker: each vote's state transitions and aggregate counts, kept in Redis.

The API records `accepted` (it needs no PostgreSQL write rights); the consumer records `stored`, `superseded`,
`duplicate`, `failed` and `dead_lettered` (PostgreSQL holds the durable part of those: vote_events and
dead_letters). Per-vote hashes expire after a TTL; GET /api/votes/{id} falls back to PostgreSQL when one is gone.

Functions here only queue commands on a (sync or async) pipeline, so callers batch them into one round trip.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

COUNTS_KEY = "votelab:tracker_counts"
STATES = ("accepted", "stored", "superseded", "duplicate", "failed", "dead_lettered")
# a later state never goes back to these: `accepted` must not overwrite what the consumer already wrote
_FINAL_STATES = ("stored", "superseded", "dead_lettered")


def status_key(vote_id: str) -> str:
    """Key of one vote's tracker hash."""
    return f"vote_status:{vote_id}"


def now_iso() -> str:
    """Current UTC time as ISO 8601."""
    return datetime.now(UTC).isoformat()


ACCEPTED_SCRIPT = """
local ttl, at = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  local key = 'vote_status:' .. ARGV[i]
  redis.call('HSETNX', key, 'status', 'accepted')
  redis.call('HSET', key, 'accepted_at', at)
  redis.call('EXPIRE', key, ttl)
end
redis.call('HINCRBY', KEYS[1], 'accepted', #ARGV - 2)
return #ARGV - 2
"""


def accepted_script_args(vote_ids: list[str], ttl_s: int, at: str | None = None) -> tuple[list[str], list[str | int]]:
    """KEYS and ARGV of ACCEPTED_SCRIPT: record many accepted votes in one command."""
    return [COUNTS_KEY], [ttl_s, at or now_iso(), *vote_ids]


OUTCOME_SCRIPT = """
local ttl, at, state, final = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
for i = 5, #ARGV do
  local key = 'vote_status:' .. ARGV[i]
  if final == '1' then
    redis.call('HSET', key, 'status', state, state .. '_at', at)
  else
    redis.call('HSETNX', key, 'status', state)
    redis.call('HSET', key, state .. '_at', at)
  end
  redis.call('EXPIRE', key, ttl)
end
redis.call('HINCRBY', KEYS[1], state, #ARGV - 4)
return #ARGV - 4
"""


def outcome_script_args(
    vote_ids: list[str], state: str, ttl_s: int, at: str | None = None
) -> tuple[list[str], list[str | int]]:
    """KEYS and ARGV of OUTCOME_SCRIPT: many votes reaching the same state, in one command."""
    final = "1" if state in _FINAL_STATES else "0"
    return [COUNTS_KEY], [ttl_s, at or now_iso(), state, final, *vote_ids]


def queue_accepted(pipe: Any, vote_id: str, ttl_s: int, at: str | None = None) -> None:
    """Queue: the broker acknowledged this vote (status only set if the consumer has not been faster)."""
    key = status_key(vote_id)
    pipe.hsetnx(key, "status", "accepted")
    pipe.hset(key, "accepted_at", at or now_iso())
    pipe.expire(key, ttl_s)
    pipe.hincrby(COUNTS_KEY, "accepted", 1)


def queue_outcome(pipe: Any, vote_id: str, state: str, ttl_s: int, at: str | None = None, error: str = "") -> None:
    """Queue: the consumer reached `state` for this vote. `duplicate` and `failed` keep the vote's final status."""
    key = status_key(vote_id)
    stamp = at or now_iso()
    fields: dict[str, str] = {f"{state}_at": stamp}
    if state in _FINAL_STATES:
        fields["status"] = state
    else:
        pipe.hsetnx(key, "status", state)
    if error:
        fields["last_error"] = error[:500]
    pipe.hset(key, mapping=fields)
    pipe.expire(key, ttl_s)
    pipe.hincrby(COUNTS_KEY, state, 1)


def state_from_hash(vote_id: str, raw: dict[Any, Any]) -> dict[str, Any] | None:
    """The API's view of a tracker hash (None when Redis has no record)."""
    data = {_text(k): _text(v) for k, v in raw.items()}
    if "status" not in data:
        return None
    timestamps = {k[: -len("_at")]: v for k, v in data.items() if k.endswith("_at")}
    state: dict[str, Any] = {"vote_id": vote_id, "status": data["status"], "timestamps": timestamps, "source": "redis"}
    if "last_error" in data:
        state["error"] = data["last_error"]
    return state


def counts_from_hash(raw: dict[Any, Any]) -> dict[str, int]:
    """Aggregate tracker counts with every state present (zero when never seen)."""
    counts = {state: 0 for state in STATES}
    for k, v in raw.items():
        counts[k.decode() if isinstance(k, bytes) else k] = int(v)
    return counts


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
