"""The message tracker's one ordering rule, run on a real Redis through the script both writers use: the consumer's
outcomes replace any status, `accepted` (API) and `duplicate`/`failed` (consumer) only fill an empty one, whatever
order the writes arrive in. Redis db 2, emptied first, so the pipeline tests' keys are untouched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from pydantic import SecretStr

from app.core.redis_client import sync_client
from app.core.redis_keys import TRACKER_COUNTS_KEY, status_key
from app.core.tracker import RECORD_SCRIPT, counts_from_hash, record_call, state_from_hash
from devstack import Stack


@pytest.fixture
def client(stack: Stack) -> Iterator[redis.Redis]:
    settings = stack.settings(redis_url=SecretStr(stack.redis_url.rsplit("/", 1)[0] + "/2"))
    connection = sync_client(settings)
    connection.flushdb()
    yield connection
    connection.close()


def _status_after(client: redis.Redis, *states: str) -> dict[str, object]:
    script = client.register_script(RECORD_SCRIPT)
    vote_id = str(uuid.uuid4())
    for state in states:
        keys, args = record_call([vote_id], state, ttl_s=60, error="boom" if state == "failed" else "")
        script(keys=keys, args=args)
    found = state_from_hash(vote_id, client.hgetall(status_key(vote_id)))
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("states", "status"),
    [
        (("accepted", "stored"), "stored"),
        (("stored", "accepted"), "stored"),  # the consumer was faster than the API's tracker write
        (("accepted", "duplicate"), "accepted"),
        (("stored", "duplicate"), "stored"),  # a redelivery never hides the outcome
        (("accepted", "failed", "stored"), "stored"),
        (("failed", "dead_lettered"), "dead_lettered"),
        (("accepted", "superseded"), "superseded"),
    ],
)
def test_status_follows_the_rule_in_any_order(client: redis.Redis, states: tuple[str, ...], status: str) -> None:
    found = _status_after(client, *states)
    assert found["status"] == status
    assert set(found["timestamps"]) == set(states)  # type: ignore[arg-type]


def test_failed_keeps_its_error_and_counts_add_up(client: redis.Redis) -> None:
    found = _status_after(client, "accepted", "failed")
    assert found["error"] == "boom"
    script = client.register_script(RECORD_SCRIPT)
    keys, args = record_call([str(uuid.uuid4()) for _ in range(3)], "stored", ttl_s=60)
    assert script(keys=keys, args=args) == 3
    counts = counts_from_hash(client.hgetall(TRACKER_COUNTS_KEY))
    assert counts["accepted"] == 1 and counts["failed"] == 1 and counts["stored"] == 3 and counts["duplicate"] == 0


def test_an_unknown_state_is_refused_before_redis_sees_it() -> None:
    with pytest.raises(ValueError, match="unknown tracker state 'lost'"):
        record_call(["v"], "lost", ttl_s=60)
