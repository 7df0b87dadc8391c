"""Redis vote counters: key names, the at-most-once apply script, reading results and rebuilding from PostgreSQL.

Keys: `vote_result:{candidate}` (total ballots) and `vote_result:{candidate}:{type}`, plus READY_KEY, set when the
counters are (re)built from PostgreSQL. A vote's counter transition
(previous type -> applied type) is applied by one Lua script together with a per-vote marker `vote_applied:{vote_id}`,
so the same vote never counts twice however often it is delivered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import redis

from app.domain import CANDIDATES, VOTE_TYPES

Results = dict[str, dict[str, int]]

READY_KEY = "votelab:counters_ready"

# Returns -1 without touching anything when READY_KEY is missing: Redis lost its data (restart without
# persistence, flush), so counting on top of zero would be wrong; the caller rebuilds from PostgreSQL instead.
APPLY_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local ttl = tonumber(ARGV[1])
local applied = 0
for i = 2, #ARGV, 4 do
  local vote_id, cand, prev, new = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if redis.call('SET', 'vote_applied:' .. vote_id, '1', 'NX', 'EX', ttl) then
    if prev == '' then
      redis.call('INCR', 'vote_result:' .. cand)
    else
      redis.call('DECR', 'vote_result:' .. cand .. ':' .. prev)
    end
    redis.call('INCR', 'vote_result:' .. cand .. ':' .. new)
    applied = applied + 1
  end
end
return applied
"""


@dataclass(frozen=True)
class Transition:
    """A ballot change caused by one vote: previous type (None for a first ballot) -> applied type."""

    vote_id: str
    candidate_id: str
    previous_type: str | None
    applied_type: str


def total_key(candidate: str) -> str:
    """Key of a candidate's total ballot count."""
    return f"vote_result:{candidate}"


def type_key(candidate: str, vote_type: str) -> str:
    """Key of a candidate's count for one vote type."""
    return f"vote_result:{candidate}:{vote_type}"


def result_keys() -> list[str]:
    """All counter keys in a fixed order (totals, then per type), for MGET."""
    keys = [total_key(c) for c in CANDIDATES]
    keys += [type_key(c, t) for c in CANDIDATES for t in VOTE_TYPES]
    return keys


def empty_results() -> Results:
    """The results shape with zeros."""
    return {c: {"for": 0, "against": 0, "total": 0} for c in CANDIDATES}


def results_from_values(values: Sequence[bytes | str | None]) -> Results:
    """Build the results shape from an MGET over result_keys() (missing keys count as zero)."""
    numbers = [int(v) if v is not None else 0 for v in values]
    results = empty_results()
    for i, candidate in enumerate(CANDIDATES):
        results[candidate]["total"] = numbers[i]
    offset = len(CANDIDATES)
    for candidate in CANDIDATES:
        for vote_type in VOTE_TYPES:
            results[candidate][vote_type] = numbers[offset]
            offset += 1
    return results


def results_from_type_counts(counts: Iterable[tuple[str, str, int]]) -> Results:
    """Build results from (candidate, type, ballots) rows, e.g. a GROUP BY over ballots; total = for + against."""
    results = empty_results()
    for candidate, vote_type, n in counts:
        if candidate in results and vote_type in VOTE_TYPES:
            results[candidate][vote_type] += int(n)
            results[candidate]["total"] += int(n)
    return results


def apply_args(transitions: Sequence[Transition], marker_ttl_s: int) -> list[str | int]:
    """ARGV for APPLY_SCRIPT."""
    args: list[str | int] = [marker_ttl_s]
    for t in transitions:
        args += [t.vote_id, t.candidate_id, t.previous_type or "", t.applied_type]
    return args


def read_results(client: redis.Redis) -> Results:
    """Current counters from Redis (synchronous client)."""
    return results_from_values(client.mget(result_keys()))


def overwrite_results(client: redis.Redis, results: Results) -> None:
    """Set every counter to the given values atomically (MULTI/EXEC); used by repair."""
    mapping: dict[str, int] = {}
    for candidate, row in results.items():
        mapping[total_key(candidate)] = row["total"]
        for vote_type in VOTE_TYPES:
            mapping[type_key(candidate, vote_type)] = row[vote_type]
    mapping[READY_KEY] = 1
    with client.pipeline(transaction=True) as pipe:
        pipe.mset(mapping)  # type: ignore[arg-type]
        pipe.execute()


def counters_ready(client: redis.Redis) -> bool:
    """Whether the counters were built from PostgreSQL in this Redis's lifetime (a Redis that lost its data,
    or never had counters, lacks READY_KEY)."""
    return bool(client.exists(READY_KEY))
