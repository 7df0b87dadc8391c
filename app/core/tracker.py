"""Message tracker: each vote's state transitions and aggregate counts, kept in Redis.

The API records `accepted` (it needs no PostgreSQL write rights); the consumer records `stored`, `superseded`,
`duplicate`, `failed` and `dead_lettered` (PostgreSQL holds the durable part of those: vote_events and
dead_letters). Per-vote hashes expire after a TTL; GET /api/votes/{id} falls back to PostgreSQL when one is gone.

Both write through one Lua script (RECORD_SCRIPT) that carries the ordering rule below; callers run it on a pipeline
so a batch's records cost one round trip. Key names: app.core.redis_keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.core.redis_keys import TRACKER_COUNTS_KEY, status_key

STATES = ("accepted", "stored", "superseded", "duplicate", "failed", "dead_lettered")
# The one rule for how a vote's states follow each other. A state in this set replaces whatever status the vote has:
# the consumer's outcomes are final. Any other state (`accepted` from the API, `duplicate` and `failed` from the
# consumer) becomes the status only of a vote that has none yet, so `accepted` never overwrites an outcome the
# consumer was faster to write, and a redelivery never hides one. Every state stamps its own `<state>_at`.
_REPLACES_STATUS = frozenset({"stored", "superseded", "dead_lettered"})
_ERROR_MAX = 500

# Both writers (API and consumer) run this script. KEYS[1]: the aggregate counts hash; KEYS[2..]: the tracker hashes
# of votes reaching the same state. ARGV: TTL, timestamp, state, '1' when the state replaces the status, last error
# ('' for none).
RECORD_SCRIPT = """
local ttl, at, state, replaces, err = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
for i = 2, #KEYS do
  if replaces == '1' then
    redis.call('HSET', KEYS[i], 'status', state)
  else
    redis.call('HSETNX', KEYS[i], 'status', state)
  end
  redis.call('HSET', KEYS[i], state .. '_at', at)
  if err ~= '' then
    redis.call('HSET', KEYS[i], 'last_error', err)
  end
  redis.call('EXPIRE', KEYS[i], ttl)
end
redis.call('HINCRBY', KEYS[1], state, #KEYS - 1)
return #KEYS - 1
"""


def now_iso() -> str:
    """Current UTC time as ISO 8601."""
    return datetime.now(UTC).isoformat()


def record_call(
    vote_ids: Sequence[str], state: str, ttl_s: int, at: str | None = None, error: str = ""
) -> tuple[list[str], list[str | int]]:
    """KEYS and ARGV of RECORD_SCRIPT: these votes reached `state` (one command however many votes)."""
    if state not in STATES:
        raise ValueError(f"unknown tracker state {state!r}")
    replaces = "1" if state in _REPLACES_STATUS else "0"
    keys = [TRACKER_COUNTS_KEY, *(status_key(v) for v in vote_ids)]
    return keys, [ttl_s, at or now_iso(), state, replaces, error[:_ERROR_MAX]]


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
