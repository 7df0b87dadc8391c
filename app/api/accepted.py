"""Group commit of the tracker's `accepted` records: concurrent requests share one Redis command (a Lua script).

Each request awaits the flush that carries its record, so GET /api/votes/{id} right after the 202 sees `accepted`,
while a burst of N votes costs one script call instead of N.
"""

from __future__ import annotations

import asyncio

import redis.asyncio

from app.api.group_commit import GroupCommit
from app.core.errors import DEPENDENCY_ERRORS
from app.core.logs import get_logger
from app.core.tracker import RECORD_SCRIPT, record_call


class AcceptedRecorder:
    """Batches `accepted` tracker writes; failures are logged, never raised (the vote is already durable)."""

    def __init__(self, client: redis.asyncio.Redis, ttl_s: int, timeout_s: float) -> None:
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._log = get_logger("api.tracker")
        self._script = client.register_script(RECORD_SCRIPT)
        self._batches: GroupCommit[str, None] = GroupCommit(self._write)

    async def record(self, vote_id: str) -> None:
        """Queue the record and wait until the flush carrying it finished (or failed)."""
        await self._batches.submit(vote_id)

    async def _write(self, vote_ids: list[str]) -> list[None]:
        try:
            async with asyncio.timeout(self._timeout_s):
                keys, args = record_call(vote_ids, "accepted", self._ttl_s)
                await self._script(keys=keys, args=args)
        except DEPENDENCY_ERRORS as exc:
            self._log.warning("tracker_accept_failed", votes=len(vote_ids), error=type(exc).__name__)
        return [None] * len(vote_ids)
