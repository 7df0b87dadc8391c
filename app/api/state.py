"""Per-app resources (settings, publisher, Redis client, metrics), held on app.state instead of module globals."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio
from fastapi import Request

from app.api.accepted import AcceptedRecorder
from app.api.metrics import ApiMetrics
from app.api.producer import VotePublisher
from app.api.ratelimit import Network, RateLimiter
from app.api.results_cache import ResultsCache
from app.core.settings import Settings


@dataclass
class ApiState:
    """Everything a request handler needs."""

    settings: Settings
    publisher: VotePublisher
    redis: redis.asyncio.Redis
    metrics: ApiMetrics
    accepted: AcceptedRecorder
    results_cache: ResultsCache
    rate_limiter: RateLimiter
    trusted_proxies: list[Network]


async def api_state(request: Request) -> ApiState:
    """FastAPI dependency returning the app's state (async: a sync dependency would cost a thread hop)."""
    state: ApiState = request.app.state.votelab
    return state
