"""The vote vocabulary is spelled once per language (Python, SQL, TypeScript); these tests fail when the copies
disagree, so a renamed or added candidate or vote type cannot reach one tier only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.core.domain import CANDIDATES, VOTE_TYPES

REPO = Path(__file__).resolve().parents[2]
TYPESCRIPT = REPO / "frontend" / "lib" / "candidates.ts"
MIGRATIONS = REPO / "app" / "migrations"

# Every SQL column whose CHECK constraint spells a vocabulary, and which one it must spell.
SQL_COLUMNS: dict[str, tuple[str, ...]] = {
    "candidate_id": CANDIDATES,
    "vote_type": VOTE_TYPES,
    "previous_type": VOTE_TYPES,
    "applied_type": VOTE_TYPES,
}
_TS_ARRAY = r"export const {name} = \[([^\]]*)\] as const;"
_SQL_CHECK = re.compile(r"CHECK\s*\(\s*(\w+)\s+IN\s*\(([^)]*)\)\s*\)", re.IGNORECASE)
_SQL_LITERAL = re.compile(r"'([^']*)'")


def typescript_vocabulary(source: str, name: str) -> tuple[str, ...]:
    """The string literals of `export const <name> = [...] as const;` in order (fails when it is missing)."""
    match = re.search(_TS_ARRAY.format(name=name), source)
    assert match, f"{TYPESCRIPT.name}: no `export const {name} = [...] as const;`"
    items: list[str] = json.loads(f"[{match.group(1).strip().rstrip(',')}]")
    return tuple(items)


def sql_disagreements(source: str) -> list[str]:
    """Each CHECK (<column> IN (...)) that spells a vocabulary on an unknown column or differs from Python's."""
    problems = []
    vocabulary = set(CANDIDATES) | set(VOTE_TYPES)
    for column, listed in _SQL_CHECK.findall(source):
        values = set(_SQL_LITERAL.findall(listed))
        expected = SQL_COLUMNS.get(column)
        if expected is None:
            if values & vocabulary:
                problems.append(f"{column}: CHECK spells the vocabulary on a column this test does not know")
        elif values != set(expected):
            problems.append(f"{column}: CHECK allows {sorted(values)}, Python has {sorted(expected)}")
    return problems


def sql_checked_columns(source: str) -> set[str]:
    """The vocabulary columns that carry a CHECK constraint."""
    return {column for column, _ in _SQL_CHECK.findall(source) if column in SQL_COLUMNS}


def _migrations() -> str:
    return "\n".join(path.read_text() for path in sorted(MIGRATIONS.glob("*.sql")))


def test_typescript_carries_exactly_the_python_vocabulary() -> None:
    source = TYPESCRIPT.read_text()
    assert typescript_vocabulary(source, "CANDIDATE_IDS") == CANDIDATES
    assert typescript_vocabulary(source, "VOTE_TYPES") == VOTE_TYPES


def test_sql_checks_carry_exactly_the_python_vocabulary() -> None:
    source = _migrations()
    assert sql_disagreements(source) == []
    assert sql_checked_columns(source) == set(SQL_COLUMNS), "a vocabulary column lost its CHECK constraint"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"monthly", "biweekly"]', '"monthly", "weekly"]'),
        ('"for", "against"]', '"for"]'),
        ('"monthly", "biweekly"]', '"biweekly", "monthly"]'),
    ],
)
def test_a_changed_typescript_copy_is_caught(old: str, new: str) -> None:
    source = TYPESCRIPT.read_text()
    assert old in source
    changed = source.replace(old, new)
    assert (
        typescript_vocabulary(changed, "CANDIDATE_IDS"),
        typescript_vocabulary(changed, "VOTE_TYPES"),
    ) != (CANDIDATES, VOTE_TYPES)


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("candidate_id IN ('monthly', 'biweekly')", "candidate_id IN ('monthly', 'weekly')", "candidate_id"),
        ("applied_type IN ('for', 'against')", "applied_type IN ('for', 'against', 'abstain')", "applied_type"),
        ("status IN ('stored', 'superseded')", "status IN ('stored', 'monthly')", "status"),
    ],
)
def test_a_changed_sql_copy_is_caught(old: str, new: str, column: str) -> None:
    source = _migrations()
    assert old in source
    problems = sql_disagreements(source.replace(old, new, 1))
    assert [p for p in problems if p.startswith(f"{column}:")], problems
