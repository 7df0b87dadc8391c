"""The lint stage's layer contract (pyproject.toml [tool.importlinter]) holds for the tree and breaks on a violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """app/ and pyproject.toml copied, so a test can add an import without touching the checkout."""
    shutil.copytree(REPO_ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_the_contract(tree_copy: Path) -> None:
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "bad_import"),
    [
        ("app/consumer/worker.py", "from app.api.producer import VotePublisher"),  # a tier importing another
        ("app/core/counters.py", "from app.consumer.batch import BatchStore"),  # the core importing a tier
        ("app/api/admin.py", "from app.tools.reprocess import main"),  # the API importing a tool
    ],
)
def test_a_violation_breaks_the_contract_naming_the_import(tree_copy: Path, module: str, bad_import: str) -> None:
    path = tree_copy / module
    path.write_text(path.read_text() + f"\n{bad_import}  # noqa\n")
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    imported = bad_import.split()[1]
    assert "BROKEN" in result.stdout and imported in result.stdout, result.stdout
