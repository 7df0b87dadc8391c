"""Group commit of the tracker's `accepted` records: concurrent requests share one Redis command (a Lua script).

Each request awaits the flush that carries its record, so GET /api/votes/{id} right after the 202 sees `accepted`,
while a burst of N votes costs one pipeline instead of N.
"""

from __future__ import annotations

import asyncio

import redis.asyncio

from app.errors import DEPENDENCY_ERRORS
from app.logs import get_logger
from app.tracker import ACCEPTED_SCRIPT, accepted_script_args


class AcceptedRecorder:
    """Batches `accepted` tracker writes; failures are logged, never raised (the vote is already durable)."""

    def __init__(self, client: redis.asyncio.Redis, ttl_s: int, timeout_s: float) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._pending: list[tuple[str, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._log = get_logger("api.tracker")
        self._script = client.register_script(ACCEPTED_SCRIPT)

    async def record(self, vote_id: str) -> None:
        """Queue the record and wait until the flush carrying it finished (or failed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((vote_id, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        await asyncio.shield(done)

    async def _flush_all(self) -> None:
        await asyncio.sleep(0)  # let the requests already running queue their records too
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with asyncio.timeout(self._timeout_s):
                    keys, args = accepted_script_args([vote_id for vote_id, _ in batch], self._ttl_s)
                    await self._script(keys=keys, args=args)
            except DEPENDENCY_ERRORS as exc:
                self._log.warning("tracker_accept_failed", votes=len(batch), error=type(exc).__name__)
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
