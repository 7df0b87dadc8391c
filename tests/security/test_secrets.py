"""Secrets never shown: the Redis and PostgreSQL passwords and the admin token must not appear in any log, error
body, /metrics, /readyz failure body, or process argument list of the stack, including while dependencies fail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack import Stack


@pytest.fixture(scope="module")
def secrets_of(stack: Stack) -> dict[str, str]:
    """Every generated secret of the stack, by name."""
    assert len(stack.secrets) >= 4 and all(len(v) >= 16 for v in stack.secrets.values())
    return dict(stack.secrets)


def assert_clean(where: str, text: str, secrets: dict[str, str]) -> None:
    for name, secret in secrets.items():
        assert secret not in text, f"{name} shown in {where}"


@pytest.fixture(scope="module")
def bodies(stack: Stack) -> Iterator[dict[str, str]]:
    """Answers of every endpoint, good and bad requests, with all dependencies up and with Redis, then PostgreSQL,
    then the broker stopped (each restarted afterwards); collected by a short description."""
    collected: dict[str, str] = {}
    token = stack.admin_token
    near_misses = [token[:-1], token + "x", token.upper(), f"{token} {token}"]

    def grab(client: httpx.Client, label: str) -> None:
        collected[f"{label} GET /readyz"] = client.get("/readyz").text
        collected[f"{label} GET /metrics"] = client.get("/metrics").text
        collected[f"{label} GET /api/results"] = client.get("/api/results").text
        collected[f"{label} GET /api/votes/x"] = client.get(f"/api/votes/{uuid.uuid4()}").text
        body = {"user_id": "anonymous-secret-test", "candidate_id": "monthly", "vote_type": "for"}
        collected[f"{label} POST /api/vote"] = client.post("/api/vote", json=body).text
        collected[f"{label} POST /api/vote bad"] = client.post("/api/vote", content=b'{"user_id": [1]}').text
        for path in ("/admin/pipeline", "/admin/consistency"):
            collected[f"{label} {path}"] = client.get(path, headers={"Authorization": f"Bearer {token}"}).text
            for i, wrong in enumerate(near_misses):
                answer = client.get(path, headers={"Authorization": f"Bearer {wrong}"})
                assert answer.status_code == 403
                collected[f"{label} {path} wrong {i}"] = answer.text + str(answer.headers)

    with httpx.Client(base_url=stack.api_url, timeout=20) as client:
        grab(client, "healthy")
        stack.stop_redis()
        try:
            collected["redis down GET /readyz status"] = str(client.get("/readyz").status_code)
            grab(client, "redis down")
            stack.stop_postgres()
            try:
                grab(client, "redis+postgres down")
            finally:
                stack.start_postgres()
        finally:
            stack.start_redis()
        stack.stop_broker()
        try:
            grab(client, "broker down")
        finally:
            stack.start_broker()
    yield collected


def test_failing_readiness_is_reported(bodies: dict[str, str]) -> None:
    assert bodies["redis down GET /readyz status"] == "503"
    assert '"redis":"unreachable"' in bodies["redis down GET /readyz"]


def test_no_secret_in_any_answer(bodies: dict[str, str], secrets_of: dict[str, str]) -> None:
    assert len(bodies) >= 40
    for where, text in bodies.items():
        assert_clean(where, text, secrets_of)


def test_no_secret_in_metrics(bodies: dict[str, str], secrets_of: dict[str, str]) -> None:
    metrics = [text for where, text in bodies.items() if where.endswith("/metrics")]
    assert metrics and all("votelab_http_requests_total" in m for m in metrics)
    assert_clean("/metrics", "\n".join(metrics), secrets_of)


def test_no_secret_in_logs(stack: Stack, bodies: dict[str, str], secrets_of: dict[str, str]) -> None:
    logs = {path.name: path.read_text(errors="replace") for path in Path(stack.log_dir).glob("*.log")}
    assert {"api.log", "consumer.log"} <= set(logs)
    assert "dependency_failed" in logs["api.log"] or "results_postgresql_failed" in logs["api.log"]
    for name, text in logs.items():
        assert_clean(f"log {name}", text, secrets_of)


def test_no_secret_in_process_arguments(stack: Stack, secrets_of: dict[str, str]) -> None:
    checked = 0
    for name, handle in stack.handles.items():
        if not handle.alive():
            continue
        for pid in [handle.pid, *_children(handle.pid)]:
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            assert_clean(f"argv of {name} (pid {pid})", argv, secrets_of)
            checked += 1
    assert {"api", "consumer", "redis", "postgres", "broker"} <= set(stack.handles)
    assert checked >= 5


def test_secret_files_are_private(stack: Stack) -> None:
    for path in (Path(stack.state_dir) / "stack.json", Path(stack.state_dir) / "redis" / "redis.conf"):
        assert path.stat().st_mode & 0o077 == 0, f"{path} readable by others"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(p) for p in text.split()]
    return found + [c for p in found for c in _children(p)]
