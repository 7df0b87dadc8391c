"""End-to-end latency at a steady vote rate: from the 202 to the vote being visible in GET /api/results.

All votes of the run go to one candidate and type, by new voters, so the counter only grows: the k-th accepted vote
is visible once the counter reaches base + k. A poller reads /api/results every few milliseconds.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx


async def _run(api_url: str, rate: float, seconds: float) -> list[float]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=api_url, timeout=10.0, limits=limits) as client:
        base = (await client.get("/api/results")).json()["results"]["biweekly"]["for"]
        accepted: list[float] = []
        polls: list[tuple[float, int]] = []
        done = asyncio.Event()

        async def vote() -> None:
            body = {"user_id": f"e2e-{uuid.uuid4().hex[:20]}", "candidate_id": "biweekly", "vote_type": "for"}
            response = await client.post("/api/vote", json=body)
            if response.status_code == 202:
                accepted.append(time.monotonic())

        async def poll() -> None:
            while not done.is_set():
                data = (await client.get("/api/results")).json()
                polls.append((time.monotonic(), data["results"]["biweekly"]["for"] - base))
                await asyncio.sleep(0.005)

        poller = asyncio.create_task(poll())
        start = time.monotonic()
        tasks = []
        total = int(rate * seconds)
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(vote()))
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 60
        while (not polls or polls[-1][1] < len(accepted)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        done.set()
        await poller

    accepted.sort()
    latencies = []
    j = 0
    for k, t_accepted in enumerate(accepted, start=1):
        while j < len(polls) and polls[j][1] < k:
            j += 1
        if j == len(polls):
            break
        visible_at = polls[j][0]
        latencies.append(max(0.0, visible_at - t_accepted) * 1000)
    return latencies


def measure(api_url: str, rate: float = 500, seconds: float = 10) -> tuple[float, float, int]:
    """(p50 ms, p99 ms, votes measured) at a steady `rate` votes per second for `seconds`."""
    latencies = sorted(asyncio.run(_run(api_url, rate, seconds)))
    if not latencies:
        raise RuntimeError("no vote became visible")

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return pct(50), pct(99), len(latencies)
