"""The Redis half of a batch: counter transitions (Lua, at most once per vote) and tracker records, one round trip."""

from __future__ import annotations

from collections.abc import Sequence

import redis

from app.consumer.pg_store import DeadLetter, Outcome
from app.core.counters import APPLY_SCRIPT, Results, apply_call, overwrite_results
from app.core.redis_keys import applied_key
from app.core.tracker import RECORD_SCRIPT, now_iso, record_call


class CountersLost(redis.RedisError):
    """Redis answered but its counters are gone; nothing was applied."""


class RedisApplier:
    """Applies batch outcomes to Redis; also rewrites counters from PostgreSQL after an outage."""

    def __init__(self, client: redis.Redis, marker_ttl_s: int, tracker_ttl_s: int) -> None:
        self.client = client
        self.marker_ttl_s = marker_ttl_s
        self.tracker_ttl_s = tracker_ttl_s
        self._script = client.register_script(APPLY_SCRIPT)
        self._record = client.register_script(RECORD_SCRIPT)

    def apply(self, outcomes: Sequence[Outcome], dead_letters: Sequence[DeadLetter] = ()) -> int:
        """One pipeline: the Lua apply for every transition plus the tracker records; returns votes newly counted."""
        transitions = [o.transition for o in outcomes if o.transition is not None]
        pipe = self.client.pipeline(transaction=False)
        if transitions:
            keys, args = apply_call(transitions, self.marker_ttl_s)
            self._script(keys=keys, args=args, client=pipe)
        by_state: dict[str, list[str]] = {}
        for o in outcomes:
            by_state.setdefault(o.state, []).append(o.vote_id)
        at = now_iso()
        for state, vote_ids in by_state.items():
            keys, args = record_call(vote_ids, state, self.tracker_ttl_s, at)
            self._record(keys=keys, args=args, client=pipe)
        for d in dead_letters:
            if d.vote_id:
                keys, args = record_call([d.vote_id], "dead_lettered", self.tracker_ttl_s, at, error=d.error)
                self._record(keys=keys, args=args, client=pipe)
        results = pipe.execute()
        applied = int(results[0]) if transitions else 0
        if applied < 0:
            raise CountersLost("Redis has no counters (lost its data); rebuild from PostgreSQL")
        return applied

    def record_failed(self, vote_ids: Sequence[str], error: str) -> None:
        """Tracker: these votes hit a transient failure and will be retried."""
        if vote_ids:
            keys, args = record_call(vote_ids, "failed", self.tracker_ttl_s, error=error)
            self._record(keys=keys, args=args)

    def rebuild(self, results: Results, counted_vote_ids: Sequence[str]) -> None:
        """Set the counters from PostgreSQL and mark the votes stored while Redis was away as applied (they are in
        these counters, so a redelivery of one must not count it again)."""
        overwrite_results(self.client, results)
        if counted_vote_ids:
            pipe = self.client.pipeline(transaction=False)
            for vote_id in counted_vote_ids:
                pipe.set(applied_key(vote_id), "1", ex=self.marker_ttl_s)
            pipe.execute()
