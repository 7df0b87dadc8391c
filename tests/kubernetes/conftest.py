"""Renders the Kubernetes manifests once per session, as a site would (playbooks/kubernetes-manifests.yml), with test
secrets into a temporary directory: nothing here reaches a host."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_SECRETS = {
    "vault_redis_password": "k8s-test-redis-admin-0123456789",
    "vault_redis_app_password": "k8s-test-redis-app-0123456789",
    "vault_postgresql_votelab_password": "k8s-test-pg-owner-0123456789",
    "vault_postgresql_api_password": "k8s-test-pg-api-0123456789",
    "vault_votelab_admin_token": "k8s-test-admin-token-0123456789",
}


def render_manifests(out_dir: Path) -> list[dict[str, Any]]:
    """Run the playbook into out_dir and return the rendered documents."""
    secrets = out_dir / "secrets.yml"
    out_dir.mkdir(parents=True, exist_ok=True)
    secrets.write_text(yaml.safe_dump(TEST_SECRETS))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "playbooks/kubernetes-manifests.yml",
         "-e", f"@{secrets}", "-e", f"k8s_out_dir={out_dir}"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return [doc for doc in yaml.safe_load_all((out_dir / "votelab.yaml").read_text()) if doc]


@pytest.fixture(scope="session")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Every rendered document."""
    return render_manifests(tmp_path_factory.mktemp("k8s"))


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The documents of one kind."""
    return [d for d in docs if d["kind"] == kind]
