"""Redis clients (sync and asyncio) built the same way, with short timeouts so an outage fails fast."""

from __future__ import annotations

import redis
import redis.asyncio

from app.core.settings import Settings


def sync_client(settings: Settings) -> redis.Redis:
    """A synchronous client (consumer, command-line tools)."""
    return redis.Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=settings.dependency_timeout_s * 2,
        socket_connect_timeout=settings.dependency_timeout_s,
        health_check_interval=0,
    )


def async_client(settings: Settings) -> redis.asyncio.Redis:
    """An asyncio client (API)."""
    return redis.asyncio.Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=settings.dependency_timeout_s,
        socket_connect_timeout=settings.dependency_timeout_s,
        max_connections=64,
    )
