"""Admin endpoints behind a bearer token: consistency report and repair, dead-letter replay, pipeline status."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from app.api.schemas import ErrorBody
from app.api.state import ApiState, api_state
from app.core.consistency import check, repair
from app.core.db import connect
from app.core.dead_letters import reprocess
from app.core.errors import DEPENDENCY_ERRORS
from app.core.kafka_admin import consumer_lag
from app.core.pg_queries import pipeline_counts
from app.core.redis_keys import TRACKER_COUNTS_KEY
from app.core.tracker import counts_from_hash

_bearer = HTTPBearer(auto_error=False, description="VOTELAB_ADMIN_TOKEN")


async def require_admin(
    state: Annotated[ApiState, Depends(api_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiState:
    """401 without a bearer token, 403 unless it equals VOTELAB_ADMIN_TOKEN (compared in constant time). An empty
    configured token disables admin: every request gets 403, so an empty or missing token can never match."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "admin token required", headers={"WWW-Authenticate": "Bearer"})
    expected = state.settings.admin_token.get_secret_value()
    if not expected:
        raise HTTPException(403, "admin endpoints are disabled (no VOTELAB_ADMIN_TOKEN configured)")
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(403, "admin token rejected")
    return state


_ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no bearer token"},
    403: {"model": ErrorBody, "description": "wrong bearer token, or admin disabled"},
    503: {"model": ErrorBody, "description": "PostgreSQL, Redis or the broker failed"},
}
router = APIRouter(prefix="/admin", tags=["admin"], responses=_ADMIN_ERRORS)
Admin = Annotated[ApiState, Depends(require_admin)]


class ReprocessRequest(BaseModel):
    """Which dead letters to replay and optional payload fixes."""

    ids: list[int] | None = Field(default=None, description="only these dead letters (default: all pending)")
    set: dict[str, str] = Field(default_factory=dict, description="payload fields to overwrite before replay")


@router.get("/consistency", summary="Compare Redis counters with PostgreSQL ballots")
async def consistency_report(state: Admin) -> dict[str, Any]:
    """The drift report (consistent true/false, both sides, differing counters)."""
    return (await asyncio.to_thread(check, state.settings)).to_dict()


@router.post("/consistency/repair", summary="Rewrite Redis counters from PostgreSQL ballots")
async def consistency_repair(state: Admin) -> dict[str, Any]:
    """Repairs drift; the report shows what was fixed."""
    return (await asyncio.to_thread(repair, state.settings)).to_dict()


@router.post("/reprocess", summary="Replay pending dead-lettered messages that are valid (after fixes)")
async def reprocess_dead_letters(state: Admin, request: ReprocessRequest | None = None) -> dict[str, Any]:
    """Republishes to the vote topic; the consumer marks each dead letter reprocessed when it stores it."""
    req = request or ReprocessRequest()
    return (await asyncio.to_thread(reprocess, state.settings, req.ids, req.set)).to_dict()


@router.get("/pipeline", summary="Pipeline status: accepted, stored, failed, dead-lettered, consumer lag")
async def pipeline_status(state: Admin) -> dict[str, Any]:
    """Tracker counts (Redis), durable counts (PostgreSQL) and the consumer group's lag; failures are reported."""
    status: dict[str, Any] = {}
    try:
        status["tracker"] = counts_from_hash(await state.redis.hgetall(TRACKER_COUNTS_KEY))
    except DEPENDENCY_ERRORS as exc:
        status["tracker"] = {"error": type(exc).__name__}
    try:
        status["postgresql"] = await asyncio.to_thread(_pg_counts, state)
    except DEPENDENCY_ERRORS as exc:
        status["postgresql"] = {"error": type(exc).__name__}
    try:
        # kafka-python's clients block well past their timeouts while no broker answers: bound the wait (the worker
        # thread gives up on its own later)
        lag_timeout_s = max(2.0, state.settings.dependency_timeout_s * 5)
        status["consumer_lag"] = await asyncio.wait_for(asyncio.to_thread(consumer_lag, state.settings), lag_timeout_s)
    except DEPENDENCY_ERRORS as exc:
        status["consumer_lag"] = {"error": type(exc).__name__}
    return status


def _pg_counts(state: ApiState) -> dict[str, int]:
    conn = connect(state.settings)
    try:
        return pipeline_counts(conn)
    finally:
        conn.close()
