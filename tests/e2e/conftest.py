"""Fixtures for the end-to-end tests on the four-VM lab (`make lab` must have run).

The tests inspect the VMs and inject faults through podman exec (Ansible reaches them over SSH) and talk HTTP
to the lab's addresses only after each is checked to route through the lab's own bridge.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labcheck import LabChecks

from lab.hosts import Inventory, LabRouteError, lab_secrets, load_inventory, require_lab_route


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
    """The lab's generated secrets, decrypted from .lab/secrets.vault.yml with the lab's vault password file."""
    try:
        return lab_secrets()
    except (FileNotFoundError, RuntimeError) as exc:
        pytest.fail(str(exc))


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
