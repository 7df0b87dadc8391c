"""schemathesis against the lab API's own OpenAPI document: zero server errors, every answer conforming.

The lab firewall admits the API port only from the front-end host, so the run comes from there: the security
stage's schemathesis test is run by the control node's Python inside vm4's network namespace (nsenter), aimed at
the API host's address with the lab's admin token and VOTELAB_SCHEMATHESIS_EXAMPLES cases per operation and mode
(default here 200). Its figures (cases per operation) are written to
test-artifacts/e2e/schemathesis/schemathesis.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from labcheck import LabChecks

from lab.hosts import Inventory, require_lab_route
from lab.status import GROUP_HEALTH

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e" / "schemathesis"
API_PORT = GROUP_HEALTH["api"][0]  # the port lab-status checks the API on


@pytest.mark.timeout(1200)
def test_lab_api_conforms_to_its_openapi_document(
    healthy_lab: LabChecks, inventory: Inventory, secrets: dict[str, str]
) -> None:
    api, frontend = inventory.first("api"), inventory.first("frontend")
    require_lab_route(api.ip)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "schemathesis.json").unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VOTELAB_TARGET_API_URL": f"http://{api.ip}:{API_PORT}",
        "VOTELAB_TARGET_ADMIN_TOKEN": secrets["vault_votelab_admin_token"],
        "VOTELAB_SECURITY_ARTIFACTS": str(ARTIFACTS),
        "VOTELAB_SCHEMATHESIS_EXAMPLES": os.environ.get("VOTELAB_SCHEMATHESIS_EXAMPLES", "200"),
    }
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--timeout=900", "-o", "addopts="]
    argv += [f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), "tests/security/test_schemathesis.py"]
    run = subprocess.run(frontend.in_netns(*argv), cwd=ROOT, env=env, capture_output=True, text=True, timeout=1100)
    print(run.stdout[-4000:], run.stderr[-2000:])
    assert run.returncode == 0, f"schemathesis from {frontend.name} against {api.ip} failed:\n{run.stdout[-4000:]}"

    figures = json.loads((ARTIFACTS / "schemathesis.json").read_text())
    print("schemathesis on the lab:", json.dumps(figures))
    assert figures["target"] == env["VOTELAB_TARGET_API_URL"]
    assert figures["cases"] > 0


ROUTE_PROBE = """
import sys
from lab.hosts import LabRouteError, require_lab_route
for address in sys.argv[1:]:
    try:
        require_lab_route(address)
        print(address, "allowed")
    except LabRouteError:
        print(address, "refused")
"""


def test_route_check_inside_a_vm_namespace_allows_only_its_lab_link(inventory: Inventory) -> None:
    """The network-safety check that guards the run above: from vm4's namespace a lab address passes, an outside
    address (looked up with `ip route get`, nothing sent) is refused."""
    frontend, api = inventory.first("frontend"), inventory.first("api")
    run = subprocess.run(
        frontend.in_netns(sys.executable, "-c", ROUTE_PROBE, api.ip, "192.0.2.10", "10.1.2.3"),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    verdicts = dict(line.split() for line in run.stdout.splitlines())
    assert verdicts == {api.ip: "allowed", "192.0.2.10": "refused", "10.1.2.3": "refused"}, run.stdout + run.stderr
