"""FastAPI application factory: wires settings, the publisher, Redis, metrics and middleware into one app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api import admin, openapi_doc, routes
from app.api.accepted import AcceptedRecorder
from app.api.metrics import ApiMetrics
from app.api.middleware import BodyLimitMiddleware, MetricsMiddleware, ResultsFastPath
from app.api.producer import VotePublisher
from app.api.ratelimit import RateLimiter
from app.api.results_cache import ResultsCache
from app.api.state import ApiState
from app.core.errors import DEPENDENCY_ERRORS
from app.core.logs import get_logger
from app.core.redis_client import async_client
from app.core.settings import Settings, load_settings, redact_url

DESCRIPTION = """Votes on how often the team holds a team dinner (회식): `monthly` or `biweekly`, each `for` or
`against`. A vote is answered 202 only after the Kafka broker acknowledged its event; the consumer stores it in
PostgreSQL (source of truth) and updates the Redis counters that `GET /api/results` reads."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new API instance; tests build one per configuration."""
    settings = settings or load_settings()
    metrics = ApiMetrics()
    results_cache = ResultsCache(settings.results_cache_ms)
    log = get_logger("api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis_client = async_client(settings)
        state = ApiState(
            settings=settings,
            publisher=VotePublisher(settings),
            redis=redis_client,
            metrics=metrics,
            accepted=AcceptedRecorder(redis_client, settings.tracker_ttl_s, settings.dependency_timeout_s),
            results_cache=results_cache,
            rate_limiter=RateLimiter(redis_client, settings.rate_limit_votes, settings.rate_limit_window_s, metrics),
            trusted_proxies=settings.trusted_proxy_networks(),
        )
        app.state.votelab = state
        log.info(
            "api_started",
            release=settings.release,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            redis=redact_url(settings.redis_url.get_secret_value()),
            rate_limit_votes=settings.rate_limit_votes,
            rate_limit_window_s=settings.rate_limit_window_s,
            trusted_proxies=settings.trusted_proxies,
            admin_enabled=bool(settings.admin_token.get_secret_value()),
        )
        try:
            yield
        finally:
            state.publisher.close()
            await state.redis.aclose()
            log.info("api_stopped")

    app = FastAPI(
        title="votelab",
        version=settings.release,
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's OpenTelemetry probe costs environment lookups on every request; this app exports Prometheus
        telemetry=TelemetryConfig(tracing=False, metrics=False, logs=False, operation_spans=False),
    )

    async def dependency_failed(request: Request, exc: Exception) -> JSONResponse:
        """A dependency failure no handler caught (admin tools with PostgreSQL down, say): 503 naming the kind of
        failure only, never its message, which may carry host names or connection details."""
        log.warning("dependency_failed", path=request.url.path, error=type(exc).__name__)
        detail = {"error": "dependency_unavailable", "message": f"{type(exc).__name__}, retry later"}
        return JSONResponse({"detail": detail}, status_code=503)

    async def unparsable_body(request: Request, exc: Exception) -> Response:
        """FastAPI answers 400 to a body it cannot even decode (invalid UTF-8, say); bad input is a 422 naming the
        field everywhere else, so this is one too."""
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and request.method in ("POST", "PUT", "PATCH"):
            error = {"type": "json_invalid", "loc": ["body"], "msg": "request body is not valid UTF-8 JSON"}
            return JSONResponse({"detail": [error]}, status_code=422)
        return await http_exception_handler(request, exc)

    for error in DEPENDENCY_ERRORS:
        if issubclass(error, Exception):
            app.add_exception_handler(error, dependency_failed)
    app.add_exception_handler(StarletteHTTPException, unparsable_body)
    app.include_router(routes.router)
    app.include_router(admin.router)
    openapi_doc.install(app)
    # the last added is the outermost: metrics see every request, the cached results and the 413s included
    app.add_middleware(ResultsFastPath, cache=results_cache)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
