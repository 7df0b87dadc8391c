#!/usr/bin/env python3
"""Fails when a role's README and its defaults/main.yml disagree (lint stage: `make lint`).

A role's README is where a newcomer looks up a variable, so its table must name exactly the variables the role
defines, each with a description, and each variable must carry the role's prefix so a name tells whose it is.
One line per problem, naming the role and the variable; exit 1 when there is any, 2 when a file cannot be read.

Usage: check-role-docs.py [--roles-dir DIR] [ROLE ...]   (default: every role under roles/)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Variables"
COLUMNS = ("Variable", "Default", "Description")
# cells are separated by |, except an escaped \| inside a cell
CELL_SPLIT = re.compile(r"(?<!\\)\|")
NAME_CELL = re.compile(r"^`([A-Za-z_][A-Za-z0-9_]*)`$")


class Unreadable(Exception):
    """A file the check needs is missing or malformed (exit 2: the check itself cannot run)."""


@dataclass(frozen=True)
class Row:
    """One row of a README's variable table."""

    line: int
    name: str
    description: str


def defaults_of(role: Path) -> list[str]:
    """Variable names defined by the role's defaults/main.yml, in file order ([] when the role has none)."""
    path = role / "defaults" / "main.yml"
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise Unreadable(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, dict):
        raise Unreadable(f"{path}: expected a mapping of variables, found {type(data).__name__}")
    return [str(name) for name in data]


def table_rows(role: Path) -> tuple[list[Row], list[str]]:
    """The rows of the README's table under '## Variables', and the problems with rows that are not one."""
    rows: list[Row] = []
    problems: list[str] = []
    in_section = False
    for number, line in enumerate((role / "README.md").read_text().splitlines(), start=1):
        if line.startswith("## "):
            in_section = line.strip() == SECTION
            continue
        if not in_section or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in CELL_SPLIT.split(line.strip().strip("|"))]
        if tuple(cells) == COLUMNS or all(set(cell) <= set("-: ") for cell in cells):
            continue  # header or separator
        where = f"{role.name}: README.md:{number}"
        if len(cells) != len(COLUMNS):
            problems.append(f"{where}: row has {len(cells)} cells, expected {len(COLUMNS)} ({' | '.join(COLUMNS)})")
            continue
        match = NAME_CELL.match(cells[0])
        if not match:
            problems.append(f"{where}: first cell {cells[0]!r} is not a variable name in backquotes")
            continue
        rows.append(Row(number, match.group(1), cells[2]))
    return rows, problems


def check_role(role: Path) -> list[str]:
    """Every problem with one role's README table against its defaults, each naming the role and the variable."""
    names = defaults_of(role)
    if not (role / "README.md").exists():
        return [f"{role.name}: no README.md, so its {len(names)} variables are described nowhere"]
    rows, problems = table_rows(role)
    if names and not rows and not problems:
        problems.append(f"{role.name}: README.md has no variable table under '{SECTION}'")
    prefix = f"{role.name}_"
    defined = set(names)
    seen: dict[str, int] = {}
    for row in rows:
        where = f"(README.md:{row.line})"
        if row.name in seen:
            problems.append(f"{role.name}: `{row.name}` has a second row {where}; the first is line {seen[row.name]}")
            continue
        seen[row.name] = row.line
        if row.name not in defined:
            problems.append(
                f"{role.name}: `{row.name}` has a README row {where} but defaults/main.yml does not define it"
            )
        if not row.description:
            problems.append(f"{role.name}: `{row.name}` has an empty description {where}")
    for name in names:
        if name not in seen:
            problems.append(f"{role.name}: `{name}` is defined in defaults/main.yml but has no README row")
        if not name.startswith(prefix):
            problems.append(f"{role.name}: `{name}` in defaults/main.yml lacks the role's prefix `{prefix}`")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--roles-dir", type=Path, default=ROOT / "roles", help="directory holding the roles")
    parser.add_argument("roles", nargs="*", help="role names (default: every role)")
    args = parser.parse_args(argv)
    roles_dir: Path = args.roles_dir
    if not roles_dir.is_dir():
        print(f"check-role-docs: {roles_dir} is not a directory", file=sys.stderr)
        return 2
    roles = [roles_dir / name for name in args.roles] or sorted(p for p in roles_dir.iterdir() if p.is_dir())
    problems: list[str] = []
    variables = 0
    try:
        for role in roles:
            if not role.is_dir():
                raise Unreadable(f"{role}: no such role")
            variables += len(defaults_of(role))
            problems += check_role(role)
    except Unreadable as exc:
        print(f"check-role-docs: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-role-docs: {len(problems)} problem(s) in {len(roles)} roles' READMEs", file=sys.stderr)
        return 1
    print(f"role docs: {len(roles)} roles, {variables} variables, each in its README with a description")
    return 0


if __name__ == "__main__":
    sys.exit(main())
