"""End-to-end latency at a steady vote rate: from the 202 to the vote being visible in GET /api/results.

All votes of the run go to one candidate and type, by new voters, so the counter only grows: the k-th accepted vote
is visible once the counter reaches base + k. A poller reads /api/results every few milliseconds. The client is a
minimal keep-alive HTTP/1.1 client on raw asyncio streams, so the load generator itself stays cheap.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from urllib.parse import urlsplit


class RawHttp:
    """One keep-alive HTTP/1.1 connection (loopback benchmark use only)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return int(status_line.split()[1]), payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _run(api_url: str, rate: float, seconds: float, connections: int = 32) -> list[float]:
    url = urlsplit(api_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    poll_conn = RawHttp(host, port)
    _, first = await poll_conn.request("GET", "/api/results")
    base = json.loads(first)["results"]["biweekly"]["for"]
    accepted: list[float] = []
    polls: list[tuple[float, int]] = []
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    done = asyncio.Event()

    async def sender() -> None:
        conn = RawHttp(host, port)
        while await queue.get() is not None:
            body = json.dumps(
                {"user_id": f"e2e-{uuid.uuid4().hex[:20]}", "candidate_id": "biweekly", "vote_type": "for"}
            )
            status, _ = await conn.request("POST", "/api/vote", body.encode())
            if status == 202:
                accepted.append(time.monotonic())
        conn.close()

    async def poller() -> None:
        while not done.is_set():
            _, payload = await poll_conn.request("GET", "/api/results")
            polls.append((time.monotonic(), json.loads(payload)["results"]["biweekly"]["for"] - base))
            await asyncio.sleep(0.005)

    poll_task = asyncio.create_task(poller())
    senders = [asyncio.create_task(sender()) for _ in range(connections)]
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(start + i / rate)
    for _ in senders:
        queue.put_nowait(None)
    await asyncio.gather(*senders)
    deadline = time.monotonic() + 60
    while (not polls or polls[-1][1] < len(accepted)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    done.set()
    await poll_task
    poll_conn.close()

    accepted.sort()
    latencies = []
    j = 0
    for k, t_accepted in enumerate(accepted, start=1):
        while j < len(polls) and polls[j][1] < k:
            j += 1
        if j == len(polls):
            break
        latencies.append(max(0.0, polls[j][0] - t_accepted) * 1000)
    return latencies


def measure(api_url: str, rate: float = 500, seconds: float = 10) -> tuple[float, float, int]:
    """(p50 ms, p99 ms, votes measured) at a steady `rate` votes per second for `seconds`."""
    if urlsplit(api_url).hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"benchmarks only target loopback, not {api_url}")
    latencies = sorted(asyncio.run(_run(api_url, rate, seconds)))
    if not latencies:
        raise RuntimeError("no vote became visible")

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return pct(50), pct(99), len(latencies)
