"""The rolling redeploy (playbooks/redeploy.yml) on the lab: under a steady vote load through the front end no request
fails and no vote is lost, and afterwards every tier serves the new release; a deliberately broken release is rolled
back automatically while the system keeps serving."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from labcheck import LabChecks
from stream import VoteStream

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
FETCH_VERSION = (
    "import json,sys,urllib.request;print(json.load(urllib.request.urlopen(sys.argv[1],timeout=5))['version'])"
)


def redeploy(version: str, *extra: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the lab's rolling redeploy; its output is kept in test-artifacts/e2e/redeploy-<version>.log."""
    env = {**os.environ, "VOTELAB_VERSION": version}
    run = subprocess.run(
        ["bash", "lab/lab.sh", "redeploy", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"redeploy-{version}.log").write_text(run.stdout + run.stderr)
    return run


def served_versions(checks: LabChecks) -> dict[str, str]:
    """The release each tier reports: the API's and the front end's /healthz, the consumer's current link."""
    api = checks.api_host.run("python3", "-c", FETCH_VERSION, f"http://{checks.api_host.ip}:8000/healthz")
    frontend_host = checks.inventory.first("frontend")
    fe = frontend_host.run("python3", "-c", FETCH_VERSION, "http://127.0.0.1:3000/healthz")
    consumer = checks.consumer_host.run("readlink", "-f", "/opt/votelab/current")
    return {
        "api": api.stdout.strip(),
        "frontend": fe.stdout.strip(),
        "consumer": Path(consumer.stdout.strip()).name,
    }


@pytest.mark.timeout(1200)
def test_redeploy_under_load_fails_nothing_and_serves_the_new_version(
    healthy_lab: LabChecks, frontend_url: str, secrets: dict[str, str]
) -> None:
    checks = healthy_lab
    version = f"0.2.0+e2e.{int(time.time())}"
    with VoteStream(frontend_url, rate=20, max_votes=20_000, max_seconds=900, keepalive=False) as stream:
        time.sleep(3)
        run = redeploy(version)
        time.sleep(3)
        result = stream.stop()
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    shown = [name for name, value in secrets.items() if value in run.stdout + run.stderr]
    assert not shown, f"the redeploy's output shows {shown} in clear text"
    assert result.sent > 100
    assert result.failed == 0, f"requests failed during the redeploy: {dict(result.outcomes)}"

    stored = checks.wait_stored(stream.voter_prefix, result.accepted)
    assert set(stored) == set(result.accepted) and len(stored) == len(set(stored))
    pg, rd = checks.wait_consistent()
    assert pg == rd
    assert served_versions(checks) == {"api": version, "frontend": version, "consumer": version}
    releases = installed_releases(checks)
    assert max(releases.values()) <= KEEP, f"old releases were not pruned: {releases}"


KEEP = 3  # vote_release_keep and vote_frontend_keep (the Molecule scenarios check which ones are kept)


def installed_releases(checks: LabChecks) -> dict[str, int]:
    """How many release directories each tier's host still holds after old ones were pruned."""
    hosts = {
        "api": (checks.api_host, "/opt/votelab/releases"),
        "consumer": (checks.consumer_host, "/opt/votelab/releases"),
        "frontend": (checks.inventory.first("frontend"), "/opt/votelab-frontend/releases"),
    }
    counted = {}
    for tier, (host, path) in hosts.items():
        listing = host.run("find", path, "-mindepth", "1", "-maxdepth", "1", "-type", "d")
        counted[tier] = len(listing.stdout.split())
    return counted


def build_broken_release(tmp_path: Path, version: str) -> Path:
    """A release whose API exits at start-up, built by the project's own release script from a patched copy."""
    src = tmp_path / "src"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if name.startswith(("app/", "scripts/")) or name in ("pyproject.toml", "requirements.txt", "docs/pipeline.md"):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    main = src / "app" / "api" / "__main__.py"
    main.write_text('raise SystemExit("deliberately broken release")\n' + main.read_text())
    env = {**os.environ, "VOTELAB_VERSION": version, "PY": str(ROOT / ".venv" / "bin" / "python")}
    subprocess.run(["git", "init", "-q"], cwd=src, check=True)
    subprocess.run(["bash", "scripts/build-release.sh"], cwd=src, env=env, check=True, capture_output=True)
    return src / "build" / "release"


@pytest.mark.timeout(900)
def test_broken_release_is_rolled_back_and_the_system_keeps_serving(
    healthy_lab: LabChecks, frontend_url: str, tmp_path: Path
) -> None:
    checks = healthy_lab
    before = served_versions(checks)
    version = f"0.2.0+broken.{int(time.time())}"
    release_dir = build_broken_release(tmp_path, version)
    with VoteStream(frontend_url, rate=10, max_votes=5000, max_seconds=600, keepalive=False) as stream:
        run = redeploy(
            version,
            "-e",
            "redeploy_build=false",
            "-e",
            f"votelab_release_dir={release_dir}",
            "-e",
            "vote_api_ready_timeout=20",
        )
        time.sleep(3)
        result = stream.stop()
    output = run.stdout + run.stderr
    words = " ".join(output.split())  # Ansible's output callback wraps long messages
    assert run.returncode != 0, "the redeploy of a broken release must fail"
    assert "rolled back to the previous release" in words, output[-4000:]
    # the broken release was tried beside the running one, failed there with its own error, and never took traffic
    assert "did not answer /readyz with 200" in words and "votelab-release-preflight" in words, output[-4000:]
    assert served_versions(checks) == before
    checks.wait_healthy()
    # the system kept serving: every vote was accepted, and all of them are stored
    assert len(result.accepted) > 0
    assert result.failed == 0, f"requests failed while the broken release was tried: {dict(result.outcomes)}"
    stored = checks.wait_stored(stream.voter_prefix, result.accepted)
    assert set(result.accepted) <= set(stored)
