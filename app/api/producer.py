"""Publishing vote events to the broker from async code, answering only after the broker acknowledged them.

kafka-python's send() can block (metadata, full buffer), so it runs in a small thread pool; its future is bridged
to asyncio with callbacks, so the event loop never waits on .get(). Many requests in flight share the producer's
batches (linger_ms), which is what makes acks=all fast enough.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import KafkaProducer

from app.core.broker import build_producer
from app.core.domain import VoteEvent
from app.core.settings import Settings


class PublishError(Exception):
    """The broker did not acknowledge the event in time (or at all)."""


class VotePublisher:
    """Owns one lazily created KafkaProducer; a failed creation (broker down) is retried on the next publish."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="publish")
        self._notifiers: dict[int, _LoopNotifier] = {}
        self._recycled_at = 0.0
        self._timing_out_since: float | None = None

    def _notifier(self, loop: asyncio.AbstractEventLoop) -> _LoopNotifier:
        notifier = self._notifiers.get(id(loop))
        if notifier is None or notifier.loop is not loop:
            notifier = self._notifiers[id(loop)] = _LoopNotifier(loop)
        return notifier

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = build_producer(self._settings, client_id="votelab-api")
            return self._producer

    def _metadata_ready(self) -> bool:
        """Whether send() cannot block: the producer exists and knows the topic's partitions."""
        producer = self._producer
        if producer is None:
            return False
        metadata = getattr(producer, "_metadata", None)
        return bool(metadata is not None and metadata.partitions_for_topic(self._settings.kafka_topic))

    def _send(self, event: VoteEvent, loop: asyncio.AbstractEventLoop, done: asyncio.Future[Any]) -> None:
        notifier = self._notifier(loop)

        def ok(metadata: Any) -> None:
            notifier.post(done, metadata, None)

        def failed(exc: BaseException) -> None:
            notifier.post(done, None, exc)

        future = self._get_producer().send(
            self._settings.kafka_topic, key=event.user_id.encode(), value=event.to_bytes()
        )
        future.add_callback(ok)
        future.add_errback(failed)

    async def publish(self, event: VoteEvent) -> Any:
        """Send the event and wait for the broker's acknowledgement; PublishError after publish_timeout_s."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        try:
            async with asyncio.timeout(self._settings.publish_timeout_s):
                if self._metadata_ready():
                    self._send(event, loop, done)  # appends to the producer's buffer without blocking
                else:
                    await loop.run_in_executor(self._pool, self._send, event, loop, done)
                metadata = await done
        except TimeoutError as exc:
            self._note_timeout()
            raise PublishError("broker did not acknowledge in time") from exc
        except PublishError:
            self._recycle()
            raise
        except Exception as exc:  # kafka errors, NoBrokersAvailable on creation
            self._recycle()
            raise PublishError(f"{type(exc).__name__}: {exc}") from exc
        self._timing_out_since = None
        return metadata

    def _note_timeout(self) -> None:
        """Replace a producer whose sends have only timed out for a while.

        A broker that was frozen (SIGSTOP) or restarted can leave kafka-python's idempotent producer waiting forever
        on a sequence it will never get acknowledged, with no error raised; a new producer starts clean. During a
        real outage this only re-creates the producer every few seconds, which costs nothing.
        """
        now = time.monotonic()
        if self._timing_out_since is None:
            self._timing_out_since = now
        elif now - self._timing_out_since >= 3 * self._settings.publish_timeout_s:
            self._timing_out_since = now
            self._recycle()

    def _recycle(self) -> None:
        """Replace the producer after it reported an error (at most once a second).

        A restarted broker that lost its state answers the idempotent producer's epoch bump with a fatal error, and
        kafka-python's producer then refuses every send; a new producer gets a new producer id and works again.
        """
        with self._lock:
            producer = self._producer
            if producer is None or time.monotonic() - self._recycled_at < 1.0:
                return
            self._producer = None
            self._recycled_at = time.monotonic()
        self._pool.submit(producer.close, 0)

    def close(self) -> None:
        """Flush what is in flight and release the producer and the threads."""
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=2)
                self._producer = None
        self._pool.shutdown(wait=False, cancel_futures=True)


class _LoopNotifier:
    """Hands acknowledgements from the producer's I/O thread to the event loop in bursts: one wake-up
    (call_soon_threadsafe, a system call) per burst of acknowledgements instead of one per vote."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._items: collections.deque[tuple[asyncio.Future[Any], Any, BaseException | None]] = collections.deque()
        self._lock = threading.Lock()
        self._scheduled = False

    def post(self, done: asyncio.Future[Any], metadata: Any, exc: BaseException | None) -> None:
        """Called from the I/O thread."""
        self._items.append((done, metadata, exc))
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        self.loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            self._scheduled = False
        while self._items:
            _resolve(*self._items.popleft())


def _resolve(done: asyncio.Future[Any], metadata: Any, exc: BaseException | None) -> None:
    if done.done():
        return
    if exc is not None:
        done.set_exception(PublishError(f"{type(exc).__name__}: {exc}"))
    else:
        done.set_result(metadata)
