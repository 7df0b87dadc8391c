"""scripts/check-role-docs.py against doctored copies of a role: each kind of drift between a README's variable
table and defaults/main.yml fails the check by role and variable name; a role in step passes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-role-docs.py"

DEFAULTS = """---
# Port the demo listens on.
demo_port: 8080
# Where the demo keeps its data.
demo_dir: /var/lib/demo
"""

ROWS = {
    "demo_port": "| `demo_port` | `8080` | Port the demo listens on. |",
    "demo_dir": "| `demo_dir` | `/var/lib/demo` | Where the demo keeps its data. |",
}


def readme(*rows: str) -> str:
    """A role README like the project's: a Variables section holding the table, other sections around it."""
    table = "\n".join(["| Variable | Default | Description |", "| --- | --- | --- |", *rows])
    return f"# demo\n\n## What it does\n\n- Nothing.\n\n## Variables\n\n{table}\n\n## Example\n\n| a | b | c |\n"


def make_role(roles: Path, readme_text: str, defaults: str = DEFAULTS, name: str = "demo") -> Path:
    role = roles / name
    (role / "defaults").mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text(defaults)
    (role / "README.md").write_text(readme_text)
    return role


def check(roles: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--roles-dir", str(roles)], capture_output=True, text=True, timeout=60
    )


def test_a_role_in_step_passes(tmp_path: Path) -> None:
    make_role(tmp_path, readme(*ROWS.values()))
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 roles, 2 variables" in result.stdout


def test_a_variable_without_a_row_fails(tmp_path: Path) -> None:
    make_role(tmp_path, readme(ROWS["demo_port"]))
    result = check(tmp_path)
    assert result.returncode == 1
    assert "demo: `demo_dir` is defined in defaults/main.yml but has no README row" in result.stderr


def test_a_row_for_an_undefined_variable_fails(tmp_path: Path) -> None:
    make_role(tmp_path, readme(*ROWS.values(), "| `demo_gone` | `1` | Removed from the defaults long ago. |"))
    result = check(tmp_path)
    assert result.returncode == 1
    assert "demo: `demo_gone` has a README row (README.md:" in result.stderr
    assert "but defaults/main.yml does not define it" in result.stderr


def test_an_empty_description_fails(tmp_path: Path) -> None:
    make_role(tmp_path, readme(ROWS["demo_port"], "| `demo_dir` | `/var/lib/demo` |  |"))
    result = check(tmp_path)
    assert result.returncode == 1
    assert "demo: `demo_dir` has an empty description (README.md:" in result.stderr
    assert "demo_port" not in result.stderr


def test_a_variable_without_the_role_prefix_fails(tmp_path: Path) -> None:
    defaults = DEFAULTS + "# Not the role's own name.\nport: 1\n"
    make_role(tmp_path, readme(*ROWS.values(), "| `port` | `1` | Not the role's own name. |"), defaults)
    result = check(tmp_path)
    assert result.returncode == 1
    assert "demo: `port` in defaults/main.yml lacks the role's prefix `demo_`" in result.stderr


def test_every_problem_of_every_role_is_listed(tmp_path: Path) -> None:
    make_role(tmp_path, readme(ROWS["demo_port"]), name="demo")
    make_role(tmp_path, readme("| `other_port` | `1` |  |"), "---\nother_port: 1\n", name="other")
    result = check(tmp_path)
    assert result.returncode == 1
    assert "demo: `demo_dir`" in result.stderr
    assert "other: `other_port` has an empty description" in result.stderr
    assert "2 problem(s) in 2 roles" in result.stderr


@pytest.mark.parametrize(
    ("defaults", "message"),
    [("---\n- a list\n", "expected a mapping of variables"), ("---\ndemo_port: [\n", "not valid YAML")],
)
def test_unreadable_defaults_stop_the_check(tmp_path: Path, defaults: str, message: str) -> None:
    make_role(tmp_path, readme(*ROWS.values()), defaults)
    result = check(tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_the_project_roles_it_owns_are_in_step() -> None:
    """Roles whose tables are complete stay so (until the lint stage checks every role, see mk/00-lint.mk)."""
    roles = ["common", "nodejs", "postgresql", "redis", "zookeeper", "vote_api", "vote_consumer"]
    result = subprocess.run([sys.executable, str(SCRIPT), *roles], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
