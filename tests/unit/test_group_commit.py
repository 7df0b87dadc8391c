"""GroupCommit: concurrent submits share one flush, each caller gets its own result, errors reach every caller."""

from __future__ import annotations

import asyncio

from app.api.group_commit import GroupCommit


class Recorder:
    """A flush that records its batches and answers each item with its square."""

    def __init__(self, fail_with: Exception | None = None, short: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail_with = fail_with
        self.short = short

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a store round trip: submits arriving meanwhile form the next batch
        if self.fail_with is not None:
            raise self.fail_with
        return [i * i for i in items][: -1 if self.short else None]


def test_concurrent_submits_share_one_flush_and_get_their_own_results() -> None:
    flush = Recorder()

    async def scenario() -> list[int]:
        batches = GroupCommit(flush)
        return await asyncio.gather(*(batches.submit(i) for i in range(50)))

    assert asyncio.run(scenario()) == [i * i for i in range(50)]
    assert flush.batches == [list(range(50))]


def test_items_queued_during_a_flush_go_into_the_next_one() -> None:
    flush = Recorder()

    async def scenario() -> tuple[int, int]:
        batches = GroupCommit(flush)
        first = asyncio.gather(*(batches.submit(i) for i in range(3)))
        await asyncio.sleep(0.005)  # the first flush is in progress
        second = await asyncio.gather(*(batches.submit(i) for i in range(10, 12)))
        return sum(await first), sum(second)

    assert asyncio.run(scenario()) == (0 + 1 + 4, 100 + 121)
    assert flush.batches == [[0, 1, 2], [10, 11]]


def test_a_failed_flush_raises_in_every_caller_and_the_next_batch_still_works() -> None:
    flush = Recorder(fail_with=ConnectionError("store down"))

    async def scenario() -> list[BaseException | int]:
        batches = GroupCommit(flush)
        failed = await asyncio.gather(*(batches.submit(i) for i in range(4)), return_exceptions=True)
        flush.fail_with = None
        return [*failed, await batches.submit(7)]

    outcome = asyncio.run(scenario())
    assert all(isinstance(e, ConnectionError) for e in outcome[:4]), outcome
    assert outcome[4] == 49


def test_a_flush_that_returns_too_few_results_is_an_error_for_every_caller() -> None:
    async def scenario() -> list[BaseException | int]:
        batches = GroupCommit(Recorder(short=True))
        return await asyncio.gather(*(batches.submit(i) for i in range(3)), return_exceptions=True)

    outcome = asyncio.run(scenario())
    assert all(isinstance(e, RuntimeError) and "2 results for 3 items" in str(e) for e in outcome), outcome
