"""`site.yml` on a converged lab changes nothing: the one inventory reproduces the same topology again. It runs as on
real VMs, over SSH as the lab's unprivileged admin escalating with sudo, and no secret shows in clear text: not in its
output, its log, nor any file of .lab/ but the vault's password file."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from labcheck import LabChecks

ROOT = Path(__file__).resolve().parents[2]
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@pytest.mark.timeout(900)
def test_second_site_run_changes_nothing(healthy_lab: LabChecks, secrets: dict[str, str]) -> None:
    started = f"@{int(time.time()) - 1}"
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

    # every host was reached over SSH as votelab-admin, escalating with sudo (podman only inspects): the run's modules
    # ran under sshd (ssh.service) through sudo from the admin; the login itself may predate the run, since SSH
    # connections persist between runs (ControlPersist)
    for host in healthy_lab.inventory.hosts.values():
        log = host.run("journalctl", "-u", "ssh.service", "--no-pager", "-o", "cat", "--since", started).stdout
        assert "votelab-admin : " in log and "USER=root ; COMMAND=/bin/sh -c 'echo BECOME-SUCCESS-" in log, (
            f"{host.name}: no module run over SSH by votelab-admin through sudo since {started}"
        )
        logins = host.run("journalctl", "-u", "ssh.service", "--no-pager", "-o", "cat").stdout
        assert "Accepted publickey for votelab-admin from" in logins, f"{host.name}: the admin never logged in"

    state = ROOT / ".lab"
    assert (state / "secrets.vault.yml").read_text().startswith("$ANSIBLE_VAULT;")
    assert not (state / "secrets.yml").exists()
    assert (state / "vault-password").stat().st_mode & 0o777 == 0o600
    readable = {p: p.read_bytes() for p in state.rglob("*") if p.is_file() and p.name != "vault-password"}
    for name, value in secrets.items():
        assert value not in run.stdout + run.stderr, f"{name} shown by site.yml"
        leaks = [str(p) for p, data in readable.items() if value.encode() in data]
        assert not leaks, f"{name} in clear text in {leaks}"
