"""playbooks/redeploy.yml -e redeploy_version=X deploys release X as built earlier: with its bundles missing the run
stops on the control node, naming what is missing and the releases that are built, before any host is touched;
with them present it builds nothing and every tier looks for X's bundles.

The real playbook runs against a copy of the real inventory whose hosts use the local connection with a Python
that does not exist, in --check mode: nothing can reach a VM or change this machine. Only the control-node play
(the implicit localhost) runs modules, and those only read the release directory.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NAMES = list(yaml.safe_load((ROOT / "group_vars" / "all" / "vault.yml.example").read_text()))
FIRST_HOST_PLAY = "PLAY [Apply the new release's database migrations once]"


def redeploy(tmp_path: Path, release_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(ROOT / "group_vars")
    (inventory / "hosts.ini").write_text(
        (ROOT / "inventory" / "hosts.ini").read_text()
        + "\n[votelab:vars]\nansible_connection=local\nansible_python_interpreter=/nonexistent/python3\n"
    )
    secrets_file = tmp_path / "secrets.yml"
    secrets_file.write_text(yaml.safe_dump({name: secrets.token_urlsafe(24) for name in NAMES}))
    env = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_GATHERING": "explicit"}
    return subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-v",
            "-i",
            str(inventory / "hosts.ini"),
            "--check",
            "-e",
            f"@{secrets_file}",
            "-e",
            f"votelab_project_dir={ROOT}",
            "-e",
            f"votelab_release_dir={release_dir}",
            *extra,
            "playbooks/redeploy.yml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def bundles(release_dir: Path, *versions: str, tiers: tuple[str, ...] = ("app", "frontend")) -> None:
    release_dir.mkdir(exist_ok=True)
    for version in versions:
        for tier in tiers:
            (release_dir / f"votelab-{tier}-{version}.tar.gz").write_bytes(b"")


def test_a_release_that_is_not_built_stops_the_run_before_any_host(tmp_path: Path) -> None:
    release_dir = tmp_path / "release"
    bundles(release_dir, "1.0.0", "1.1.0")
    bundles(release_dir, "1.2.0", tiers=("app",))
    run = redeploy(tmp_path, release_dir, "-e", "redeploy_version=1.2.0")
    out = run.stdout + run.stderr
    words = " ".join(out.split())  # the output callback wraps long messages
    assert run.returncode != 0, out[-3000:]
    assert "redeploy_version=1.2.0: votelab-frontend-1.2.0.tar.gz missing in" in words, out[-3000:]
    assert "releases built there: 1.0.0, 1.1.0)" in words, out[-3000:]
    assert FIRST_HOST_PLAY not in out


def test_a_built_release_is_what_every_tier_deploys(tmp_path: Path) -> None:
    release_dir = tmp_path / "release"
    bundles(release_dir, "1.1.0", "1.2.0")
    run = redeploy(tmp_path, release_dir, "-e", "redeploy_version=1.1.0")
    out = run.stdout + run.stderr
    # the first host task that needs the host's Python fails (it does not exist): the run got past the check,
    # built nothing and, in the first play on a host, looked for release 1.1.0's bundle on the control node
    assert FIRST_HOST_PLAY in out, out[-3000:]
    assert "TASK [Build the app and front-end releases] ***" in out
    assert "skipping: [localhost] => \n    changed: false\n    false_condition: redeploy_build | bool" in out
    on_hosts = out.split(FIRST_HOST_PLAY, 1)[1]
    assert f"path: {release_dir}/votelab-app-1.1.0.tar.gz" in on_hosts, on_hosts[-3000:]
    assert "1.2.0" not in on_hosts
