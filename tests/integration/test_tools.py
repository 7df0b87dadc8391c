"""Command-line tools against the running stack: migrate, consistency check/repair; and no secret in any log."""

from __future__ import annotations

import subprocess
import sys

import httpx
import redis

from devstack import Stack
from devstack.stack import REPO_ROOT
from tests.conftest import wait_for


def run_tool(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], env=stack.env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )


def test_migrate_is_idempotent(stack: Stack) -> None:
    first = run_tool(stack, "app.tools.migrate")
    second = run_tool(stack, "app.tools.migrate")
    assert first.returncode == second.returncode == 0
    assert '"applied_now": []' in second.stderr


def test_consistency_check_detects_drift_and_repair_fixes_it(stack: Stack, api: httpx.Client) -> None:
    wait_for(lambda: run_tool(stack, "app.tools.consistency", "check").returncode == 0, what="consistent at start")
    client = redis.Redis.from_url(stack.redis_url)
    client.incrby("vote_result:monthly:for", 5)
    client.incrby("vote_result:monthly", 5)
    client.close()
    drift = run_tool(stack, "app.tools.consistency", "check")
    assert drift.returncode == 1
    assert "DRIFT" in drift.stdout and "vote_result:monthly:for" in drift.stdout
    fixed = run_tool(stack, "app.tools.consistency", "repair")
    assert fixed.returncode == 0 and "repaired" in fixed.stdout
    assert run_tool(stack, "app.tools.consistency", "check").returncode == 0


def test_consistency_check_names_an_unreachable_store_and_exits_2(stack: Stack) -> None:
    for store, overrides in (
        ("Redis", {"VOTELAB_REDIS_URL": "redis://default:x@127.0.0.1:9/0"}),
        ("PostgreSQL", {"VOTELAB_DATABASE_URL": "postgresql://votelab:x@127.0.0.1:9/votelab"}),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "app.tools.consistency", "check"],
            env=stack.env(**overrides),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert f"consistency check: {store} unreachable" in result.stderr
        assert "Traceback" not in result.stderr


def test_no_secret_in_logs(stack: Stack, api: httpx.Client) -> None:
    api.get("/readyz")
    api.get("/admin/pipeline", headers={"Authorization": "Bearer wrong-token"})
    logs = "".join(
        stack.handles[name].log_path.read_text(errors="replace")
        for name in ("api", "consumer")
        if name in stack.handles
    )
    assert logs, "expected API and consumer logs"
    for name, secret in stack.secrets.items():
        assert secret not in logs, f"{name} leaked into a log"
