"""Group commit: requests that run concurrently hand their items to one store call instead of one call each.

Each caller awaits the flush that carries its item, so it still sees its own result (a count, an acknowledgement)
before answering, while a burst of N requests costs one Redis round trip instead of N. The first caller of a burst
starts the flush after one event-loop turn, which lets the requests already running queue their items too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Batches items for `flush`, which gets the items of one burst and returns one result per item, in order.

    An exception from `flush` is raised to every caller of that batch.
    """

    def __init__(self, flush: Callable[[list[Item]], Awaitable[list[Result]]]) -> None:
        self._flush = flush
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Queue the item and wait for the result of the flush carrying it."""
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        return await asyncio.shield(done)

    async def _flush_all(self) -> None:
        await asyncio.sleep(0)
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._flush([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"flush returned {len(results)} results for {len(batch)} items")
            except Exception as exc:  # noqa: BLE001 - not swallowed: raised again in every caller of the batch
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)
