"""Counter key layout and result shapes."""

from __future__ import annotations

from app.core.consistency import compare
from app.core.counters import (
    Transition,
    apply_call,
    empty_results,
    result_keys,
    results_from_type_counts,
    results_from_values,
)


def test_keys_follow_the_seed_layout() -> None:
    assert result_keys() == [
        "vote_result:monthly",
        "vote_result:biweekly",
        "vote_result:monthly:for",
        "vote_result:monthly:against",
        "vote_result:biweekly:for",
        "vote_result:biweekly:against",
    ]


def test_missing_keys_are_zero_and_shape_is_complete() -> None:
    assert results_from_values([None] * 6) == empty_results()
    assert results_from_values([b"3", "2", b"2", b"1", None, b"2"]) == {
        "monthly": {"for": 2, "against": 1, "total": 3},
        "biweekly": {"for": 0, "against": 2, "total": 2},
    }


def test_results_from_ballot_groups() -> None:
    rows = [("monthly", "for", 31), ("monthly", "against", 3), ("biweekly", "for", 16), ("biweekly", "against", 1)]
    assert results_from_type_counts(rows) == {
        "monthly": {"for": 31, "against": 3, "total": 34},
        "biweekly": {"for": 16, "against": 1, "total": 17},
    }


def test_apply_call_names_every_key_and_marks_first_ballots() -> None:
    """A first ballot adds to the candidate's total; a changed one takes from the previous type's counter."""
    keys, args = apply_call(
        [Transition("v1", "monthly", None, "for"), Transition("v2", "biweekly", "for", "against")], 60
    )
    assert keys == [
        "votelab:counters_ready",
        "vote_applied:v1", "vote_result:monthly:for", "vote_result:monthly",
        "vote_applied:v2", "vote_result:biweekly:against", "vote_result:biweekly:for",
    ]  # fmt: skip
    assert args == [60, "1", "0"]


def test_compare_lists_each_drifting_counter() -> None:
    pg = results_from_type_counts([("monthly", "for", 2)])
    redis = results_from_type_counts([("monthly", "for", 1), ("biweekly", "against", 1)])
    keys = {d.key: (d.redis, d.postgresql) for d in compare(redis, pg)}
    assert keys == {
        "vote_result:monthly:for": (1, 2),
        "vote_result:monthly": (1, 2),
        "vote_result:biweekly:against": (1, 0),
        "vote_result:biweekly": (1, 0),
    }
