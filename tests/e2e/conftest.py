"""Fixtures for the end-to-end tests on the four-VM lab (`make lab` must have run).

Everything reaches the lab either through podman exec (like Ansible) or over HTTP to the front end's address,
and only after that address is checked to route through the lab's own bridge.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from labcheck import LabChecks

from lab.hosts import Inventory, LabRouteError, load_inventory, require_lab_route

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def inventory() -> Inventory:
    """The lab hosts, every one checked to route through the lab bridge before any test talks to it."""
    inv = load_inventory()
    for host in inv.hosts.values():
        try:
            require_lab_route(host.ip)
        except LabRouteError as exc:
            pytest.fail(str(exc))
    return inv


@pytest.fixture(scope="session")
def secrets() -> dict[str, str]:
    """The lab's generated secrets (.lab/secrets.yml, outside git)."""
    path = ROOT / ".lab" / "secrets.yml"
    if not path.exists():
        pytest.fail(f"{path} is missing: run 'make lab' first")
    data: dict[str, str] = yaml.safe_load(path.read_text())
    return data


@pytest.fixture(scope="session")
def frontend_url(inventory: Inventory) -> str:
    return f"http://{inventory.first('frontend').ip}:3000"


@pytest.fixture(scope="session")
def checks(inventory: Inventory, secrets: dict[str, str]) -> LabChecks:
    return LabChecks(inventory, secrets)


@pytest.fixture
def healthy_lab(checks: LabChecks) -> Iterator[LabChecks]:
    """Every service active before the test, and brought back after it whatever the test broke."""
    checks.restore_all()
    checks.wait_healthy()
    yield checks
    checks.restore_all()
    checks.wait_healthy()
