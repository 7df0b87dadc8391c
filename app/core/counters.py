"""Redis vote counters: the at-most-once apply script, reading results and rebuilding them from PostgreSQL.

A vote's counter transition (previous type -> applied type) is applied by one Lua script together with the vote's
applied marker, so the same vote never counts twice however often it is delivered. Key names: app.core.redis_keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import redis

from app.core.domain import CANDIDATES, VOTE_TYPES
from app.core.redis_keys import COUNTERS_READY_KEY, applied_key, total_key, type_key

Results = dict[str, dict[str, int]]

# KEYS[1]: the counters-ready flag; then three keys per vote: its applied marker, the counter of the applied type, and
# the candidate's total (a first ballot adds one) or the counter of the previous type (a changed ballot takes one).
# ARGV[1]: the marker's TTL; ARGV[1 + n]: '1' when the n-th vote is a first ballot, '0' when it changes one.
# Returns -1 without touching anything when the flag is missing: Redis lost its data (restart without persistence,
# flush), so counting on top of zero would be wrong; the caller rebuilds from PostgreSQL instead.
APPLY_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local ttl = tonumber(ARGV[1])
local applied = 0
for n = 1, #ARGV - 1 do
  local base = 3 * n - 1
  if redis.call('SET', KEYS[base], '1', 'NX', 'EX', ttl) then
    redis.call('INCR', KEYS[base + 1])
    if ARGV[n + 1] == '1' then
      redis.call('INCR', KEYS[base + 2])
    else
      redis.call('DECR', KEYS[base + 2])
    end
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


def result_keys() -> list[str]:
    """All counter keys in a fixed order (totals, then per type), for MGET."""
    keys = [total_key(c) for c in CANDIDATES]
    keys += [type_key(c, t) for c in CANDIDATES for t in VOTE_TYPES]
    return keys


def empty_results() -> Results:
    """The results shape with zeros: per candidate, one count per vote type and the total."""
    return {c: {**dict.fromkeys(VOTE_TYPES, 0), "total": 0} for c in CANDIDATES}


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


def apply_call(transitions: Sequence[Transition], marker_ttl_s: int) -> tuple[list[str], list[str | int]]:
    """KEYS and ARGV of APPLY_SCRIPT for these transitions."""
    keys = [COUNTERS_READY_KEY]
    args: list[str | int] = [marker_ttl_s]
    for t in transitions:
        first_ballot = t.previous_type is None
        counter = total_key(t.candidate_id) if first_ballot else type_key(t.candidate_id, t.previous_type or "")
        keys += [applied_key(t.vote_id), type_key(t.candidate_id, t.applied_type), counter]
        args.append("1" if first_ballot else "0")
    return keys, args


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
    mapping[COUNTERS_READY_KEY] = 1
    with client.pipeline(transaction=True) as pipe:
        pipe.mset(mapping)  # type: ignore[arg-type]
        pipe.execute()


def counters_ready(client: redis.Redis) -> bool:
    """Whether the counters were built from PostgreSQL in this Redis's lifetime (a Redis that lost its data,
    or never had counters, lacks the ready flag)."""
    return bool(client.exists(COUNTERS_READY_KEY))
