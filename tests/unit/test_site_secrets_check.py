"""site.yml's first play refuses placeholder and short secrets, naming the variable and never showing its value,
before any play touches a host; real secrets pass, from a plain or an ansible-vault-encrypted file.

The real site.yml runs against the real inventory with every host forced onto the local connection, a Python that
does not exist and --check: nothing can reach a VM (or change this machine) even if the check let a run through.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "group_vars" / "all" / "vault.yml.example"
NAMES = list(yaml.safe_load(EXAMPLE.read_text()))
FIRST_HOST_PLAY = "PLAY [Baseline every VM]"


def site(tmp_path: Path, values: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """ansible-playbook site.yml --check with `values` as the secrets (-e @file), nothing reachable."""
    secrets_file = tmp_path / "secrets.yml"
    secrets_file.write_text(yaml.safe_dump(values))
    return run_site(f"@{secrets_file}", *extra)


def run_site(secrets_arg: str, *extra: str) -> subprocess.CompletedProcess[str]:
    # no play gathers facts by itself (it would fail on the missing Python instead of showing what the check did)
    env = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_GATHERING": "explicit"}
    return subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            "inventory/hosts.ini",
            "-e",
            "ansible_connection=local",
            "-e",
            "ansible_python_interpreter=/nonexistent/python3",
            "--check",
            "-e",
            secrets_arg,
            *extra,
            "site.yml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def real_values() -> dict[str, str]:
    return {name: secrets.token_urlsafe(24) for name in NAMES}


def test_the_example_lists_every_secret_with_a_placeholder() -> None:
    assert NAMES and all(name.startswith("vault_") for name in NAMES)
    assert all(str(v).startswith("change-me-") for v in yaml.safe_load(EXAMPLE.read_text()).values())


def test_the_example_placeholders_are_refused_before_any_host_is_touched(tmp_path: Path) -> None:
    run = run_site(f"@{EXAMPLE}")
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-3000:]
    for name in NAMES:
        assert f"{name} is still the placeholder from vault.yml.example" in " ".join(out.split()), out[-3000:]
    assert FIRST_HOST_PLAY not in out


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("vault_redis_password", "Sh0rt-but-real", "is shorter than 16 characters"),
        ("vault_postgresql_api_password", "", "is not set"),
        ("vault_votelab_admin_token", "CHANGE-ME-to-something-long-enough", "is still the placeholder"),
    ],
)
def test_a_bad_secret_is_refused_by_name_without_its_value(tmp_path: Path, name: str, value: str, problem: str) -> None:
    values = {**real_values(), name: value}
    run = site(tmp_path, values)
    out = run.stdout + run.stderr
    words = " ".join(out.split())  # the output callback wraps long messages
    assert run.returncode != 0, out[-3000:]
    assert f"{name} {problem}" in words, out[-3000:]
    assert FIRST_HOST_PLAY not in out
    for secret in values.values():
        assert not secret or secret not in out, "a secret's value was printed"


def test_real_secrets_pass_from_a_vault_encrypted_file(tmp_path: Path) -> None:
    values = real_values()
    password = tmp_path / "vault-password"
    password.write_text(secrets.token_urlsafe(32))
    vault = tmp_path / "secrets.vault.yml"
    subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(password), "--output", str(vault), "-"],
        input=yaml.safe_dump(values),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "$ANSIBLE_VAULT" in vault.read_text()
    # only the check runs (--tags secrets), so the pass reaches no host either
    run = run_site(f"@{vault}", "--vault-password-file", str(password), "--tags", "secrets")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert "failed=0" in out and "changed=0" in out
    for secret in values.values():
        assert secret not in out, "a secret's value was printed"


def test_a_backup_interval_kafka_cannot_cover_is_refused_naming_both_values(tmp_path: Path) -> None:
    # 168 h of retention (app/core/topics.json): 150 h between full backups plus the 24 h margin is too long
    run = site(tmp_path, real_values(), "-e", "pgbackrest_full_interval_hours=150", "--tags", "secrets")
    words = " ".join((run.stdout + run.stderr).split())
    assert run.returncode != 0, words[-3000:]
    assert "pgbackrest_full_interval_hours (150 h) plus pgbackrest_replay_margin_hours (24 h)" in words, words[-3000:]
    assert "(pgbackrest_kafka_retention_hours: 168 h, from app/core/topics.json)" in words, words[-3000:]
    assert FIRST_HOST_PLAY not in words


def test_a_short_repository_passphrase_is_refused(tmp_path: Path) -> None:
    run = site(tmp_path, {**real_values(), "vault_pgbackrest_cipher_pass": "too-short"}, "--tags", "secrets")
    words = " ".join((run.stdout + run.stderr).split())
    assert run.returncode != 0, words[-3000:]
    assert "vault_pgbackrest_cipher_pass is shorter than 16 characters" in words, words[-3000:]
