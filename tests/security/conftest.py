"""Fixtures of the security stage: its own loopback stack (ports apart from the test and dev stacks, so this stage can
run while another stack is up), extra API processes with other settings, the artifact directory, and the guard
that keeps any traffic to an external target on this machine."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from devstack import Stack, fresh_stack
from devstack.process import ProcessHandle, wait_until
from devstack.stack import REPO_ROOT, SECURITY_PORTS
from lab.hosts import LAB_SUBNET, LabRouteError, require_lab_route

STATE_DIR = Path(os.environ.get("VOTELAB_SECURITY_STATE_DIR", f"/tmp/votelab-security-{os.getpid()}"))
# where measured figures go; the lab tests point it elsewhere when they run these tests against the lab
ARTIFACTS = Path(os.environ.get("VOTELAB_SECURITY_ARTIFACTS", REPO_ROOT / "test-artifacts" / "security"))


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The whole pipeline on the security ports, removed afterwards (overrides tests/conftest.py's). Its logs are
    kept in the artifacts for diagnosis: they hold no secret (test_secrets checks that)."""
    with fresh_stack(STATE_DIR, SECURITY_PORTS, keep_logs_in=ARTIFACTS / "logs") as security_stack:
        yield security_stack


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/security, where measured figures are written."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def start_extra_api(stack: Stack, name: str, port: int, **env: str) -> ProcessHandle:
    """Another API process of the same stack on `port`, with extra VOTELAB_* settings (stopped by stack.stop)."""
    handle = stack.spawn(
        name,
        [stack.python, "-m", "app.api"],
        env=stack.env(VOTELAB_API_PORT=str(port), **env),
        cwd=REPO_ROOT,
    )

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 30, name, handle)
    return handle


def assert_local_target(url: str) -> None:
    """Network safety: a target must be loopback, or a lab address routed through the local lab bridge (or on-link
    from inside a lab VM's network namespace, where the lab tests run schemathesis from the front-end host)."""
    host = urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pytest.fail(f"target {url}: give an IP address (loopback or the lab's {LAB_SUBNET}), not a name")
    if address.is_loopback:
        return
    if address not in LAB_SUBNET:
        pytest.fail(f"target {url}: only loopback or the lab network {LAB_SUBNET} may be targeted")
    try:
        require_lab_route(str(address))
    except LabRouteError as exc:
        pytest.fail(f"target {url}: {exc}")
