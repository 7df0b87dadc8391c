"""Public endpoints: vote, validate-only, results, vote state, health, readiness, metrics."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.producer import PublishError
from app.api.ratelimit import client_address
from app.api.schemas import ErrorBody, Health, Readiness, ResultsResponse, VoteAccepted, VoteState, VoteValidated
from app.api.state import ApiState, api_state
from app.core.counters import result_keys, results_from_values
from app.core.db import connect
from app.core.domain import VoteEvent, VoteRequest
from app.core.errors import DEPENDENCY_ERRORS
from app.core.logs import get_logger
from app.core.pg_queries import results_from_ballots, vote_state
from app.core.redis_keys import status_key
from app.core.tracker import state_from_hash

router = APIRouter()
log = get_logger("api")
State = Annotated[ApiState, Depends(api_state)]
_VALID = b'{"valid":true}'


async def within_rate_limit(request: Request, state: State) -> None:
    """429 with Retry-After when this client spent its vote budget for the current window."""
    peer = request.client.host if request.client else None
    client = client_address(peer, request.headers.get("x-forwarded-for"), state.trusted_proxies)
    decision = await state.rate_limiter.check(client)
    if not decision.allowed:
        detail = {"error": "rate_limited", "message": "too many votes from this client, retry later"}
        raise HTTPException(429, detail, headers={"Retry-After": str(decision.retry_after_s)})


@router.post(
    "/api/vote",
    status_code=202,
    response_model=VoteAccepted,
    responses={
        413: {"model": ErrorBody, "description": "request body over VOTELAB_MAX_BODY_BYTES"},
        429: {
            "model": ErrorBody,
            "description": "this client sent more than VOTELAB_RATE_LIMIT_VOTES votes in the current window",
            "headers": {
                "Retry-After": {"description": "seconds until the window resets", "schema": {"type": "integer"}}
            },
        },
        503: {"model": ErrorBody, "description": "broker did not acknowledge"},
    },
    dependencies=[Depends(within_rate_limit)],
    summary="Cast or change a vote; 202 only after the broker acknowledged the event",
)
async def post_vote(
    body: VoteRequest,
    state: State,
    idempotency_key: Annotated[
        uuid.UUID | None,
        Header(alias="Idempotency-Key", description="UUID; becomes the vote id so a retried POST never counts twice"),
    ] = None,
) -> Response:
    """Publish the vote event keyed by user id (acks=all, idempotent producer) and record it as accepted."""
    event = VoteEvent.from_request(body, idempotency_key)
    started = time.perf_counter()
    try:
        await state.publisher.publish(event)
    except PublishError as exc:
        state.metrics.publish_failures.inc()
        log.warning("vote_publish_failed", vote_id=str(event.vote_id), error=str(exc))
        raise HTTPException(503, {"error": "broker_unavailable", "message": "vote not accepted, retry later"}) from exc
    state.metrics.publish_latency.observe(time.perf_counter() - started)
    state.metrics.votes_accepted.inc()
    vote_id = str(event.vote_id)
    await state.accepted.record(vote_id)  # best effort: the vote is durable in the broker already
    return Response(b'{"vote_id":"%s","status":"accepted"}' % vote_id.encode(), 202, media_type="application/json")


@router.post(
    "/api/vote/validate",
    response_model=VoteValidated,
    summary="Validate a vote body without publishing it (the API's ceiling for benchmarks)",
)
async def validate_vote(body: VoteRequest) -> Response:
    """Same validation as POST /api/vote, nothing else."""
    return Response(_VALID, media_type="application/json")


@router.get(
    "/api/results",
    response_model=ResultsResponse,
    responses={503: {"model": ErrorBody, "description": "neither Redis nor PostgreSQL answered"}},
    summary="Vote counts per candidate, from Redis (PostgreSQL when Redis is down)",
)
async def get_results(state: State) -> Response:
    """Counters from Redis; if Redis fails, the same shape computed from PostgreSQL ballots. (A fresh cached body is
    answered before routing, by ResultsFastPath; this route runs when the cache is stale.)"""
    try:
        values = await state.redis.mget(result_keys())
        body = json.dumps(
            {"results": results_from_values(values), "source": "redis", "degraded": False}, separators=(",", ":")
        ).encode()
        state.results_cache.store(body)
        return Response(body, media_type="application/json")
    except DEPENDENCY_ERRORS as exc:
        log.warning("results_redis_failed", error=type(exc).__name__)
        state.metrics.results_fallbacks.inc()
        try:
            results = await asyncio.to_thread(_results_from_postgresql, state)
        except DEPENDENCY_ERRORS as pg_exc:
            log.error("results_postgresql_failed", error=type(pg_exc).__name__)
            detail = {"error": "results_unavailable", "message": "Redis and PostgreSQL failed"}
            raise HTTPException(503, detail) from pg_exc
        payload = {"results": results, "source": "postgresql", "degraded": True}
    return Response(json.dumps(payload, separators=(",", ":")), media_type="application/json")


def _results_from_postgresql(state: ApiState) -> Any:
    conn = connect(state.settings)
    try:
        return results_from_ballots(conn)
    finally:
        conn.close()


@router.get(
    "/api/votes/{vote_id}",
    response_model=VoteState,
    responses={404: {"model": ErrorBody}, 503: {"model": ErrorBody}},
    summary="A vote's processing state from the message tracker",
)
async def get_vote(
    vote_id: Annotated[uuid.UUID, Path(description="the id answered by POST /api/vote")], state: State
) -> Any:
    """Tracker hash in Redis first, then PostgreSQL (vote history and dead letters)."""
    vid = str(vote_id)
    redis_failed = False
    try:
        found = state_from_hash(vid, await state.redis.hgetall(status_key(vid)))
        if found:
            return found
    except DEPENDENCY_ERRORS:
        redis_failed = True
    try:
        found = await asyncio.to_thread(_vote_from_postgresql, state, vid)
    except DEPENDENCY_ERRORS as exc:
        raise HTTPException(503, {"error": "tracker_unavailable"}) from exc
    if found:
        return found
    detail = "unknown vote id" + (" (Redis unavailable, PostgreSQL has no record)" if redis_failed else "")
    raise HTTPException(404, detail)


def _vote_from_postgresql(state: ApiState, vote_id: str) -> Any:
    conn = connect(state.settings)
    try:
        return vote_state(conn, vote_id)
    finally:
        conn.close()


@router.get("/healthz", response_model=Health, summary="Liveness and the running release")
async def healthz(state: State) -> Health:
    """The process is alive; reports VOTELAB_RELEASE."""
    return Health(version=state.settings.release)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a dependency is unreachable"}},
    summary="Ready when the broker and Redis are reachable",
)
async def readyz(state: State, response: Response) -> Readiness:
    """TCP check of a bootstrap broker and a Redis PING, each bounded by dependency_timeout_s."""
    broker, redis_ok = await asyncio.gather(_broker_reachable(state), _redis_reachable(state))
    checks = {"broker": "ok" if broker else "unreachable", "redis": "ok" if redis_ok else "unreachable"}
    ready = broker and redis_ok
    if not ready:
        response.status_code = 503
    return Readiness(status="ready" if ready else "not_ready", checks=checks)


async def _broker_reachable(state: ApiState) -> bool:
    for server in state.settings.bootstrap_list():
        host, _, port = server.rpartition(":")
        try:
            async with asyncio.timeout(state.settings.dependency_timeout_s):
                _, writer = await asyncio.open_connection(host.strip("[]"), int(port))
            writer.close()
            return True
        except (OSError, TimeoutError, ValueError):
            continue
    return False


async def _redis_reachable(state: ApiState) -> bool:
    try:
        async with asyncio.timeout(state.settings.dependency_timeout_s):
            return bool(await state.redis.ping())
    except DEPENDENCY_ERRORS:
        return False


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(state: State) -> Response:
    """Requests, votes accepted, publish failures and publish latency."""
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
