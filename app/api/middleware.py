"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request body limit (413) and request metrics."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.metrics import ApiMetrics
from app.api.results_cache import ResultsCache

_KNOWN_ROUTES = {"/api/vote", "/api/vote/validate", "/api/results", "/healthz", "/readyz", "/metrics"}


def route_label(path: str) -> str:
    """A bounded label for a request path (ids collapsed), so metrics cardinality stays small."""
    if path in _KNOWN_ROUTES:
        return path
    if path.startswith("/api/votes/"):
        return "/api/votes/{vote_id}"
    if path.startswith("/admin/"):
        return path if path.count("/") <= 3 else "/admin/other"
    return "other"


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse bodies over max_bytes with 413, by Content-Length or while streaming (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await _send_413(send, self.max_bytes)
                    return
        seen = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    await _send_413(send, self.max_bytes)
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is dropped below
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise


class ResultsFastPath:
    """Answer GET /api/results straight from the results cache while it is fresh, before routing: under heavy
    polling most reads are served here; a stale cache falls through to the FastAPI route, which reads Redis."""

    def __init__(self, app: ASGIApp, cache: ResultsCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/results" and scope["method"] == "GET":
            body = self.cache.fresh()
            if body is not None:
                await send({"type": "http.response.start", "status": 200, "headers": _json_headers(len(body))})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _json_headers(length: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(length).encode())]


class MetricsMiddleware:
    """Count every HTTP request by method, route and status."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self._children: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: dict[str, Any] = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            key = (scope["method"], route_label(scope["path"]), status["code"])
            child = self._children.get(key)
            if child is None:
                child = self._children[key] = self.metrics.requests.labels(key[0], key[1], str(key[2]))
            child.inc()
