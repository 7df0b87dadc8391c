"""`site.yml` on a converged lab changes nothing: the one inventory reproduces the same topology again."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from labcheck import LabChecks

ROOT = Path(__file__).resolve().parents[2]
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@pytest.mark.timeout(900)
def test_second_site_run_changes_nothing(healthy_lab: LabChecks) -> None:
    run = subprocess.run(
        ["bash", "lab/lab.sh", "provision"], cwd=ROOT, capture_output=True, text=True, timeout=850, check=False
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    recap = {
        host: (int(changed), int(unreachable), int(failed))
        for host, _, changed, unreachable, failed in RECAP.findall(run.stdout)
    }
    assert set(recap) == set(healthy_lab.inventory.hosts), recap
    assert all(v == (0, 0, 0) for v in recap.values()), f"site.yml changed something on a converged lab: {recap}"
