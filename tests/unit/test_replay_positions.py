"""Where a partition resumes (plan_start), the offsets a batch records, migration 0004's independence from the topic
name, and the replay_gap tool's command line and wording (no database: those run in tests/integration)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from kafka import TopicPartition

from app.consumer.replay import first_offsets, next_offsets, plan_start
from app.core.positions import ReplayGap
from app.core.topics import TOPICS
from app.tools.migrate import shipped_migrations
from app.tools.replay_gap import describe_acceptance, describe_gap, parser


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int


@pytest.mark.parametrize(
    ("needed", "committed", "earliest", "start"),
    [
        (40, 40, 0, 40),  # PostgreSQL and the group agree
        (10, 40, 0, 10),  # restored database: replay from PostgreSQL's position
        (0, 40, 0, 0),  # empty database: from the beginning
        (40, 35, 0, 35),  # stored but not committed (crash before the commit): redeliver to finish Redis
        (40, None, 0, 40),  # no committed offset (new group): PostgreSQL's position
        (0, None, 0, 0),
        (40, 10, 20, 20),  # committed offset gone, PostgreSQL still covered: never before the beginning
        (20, 40, 20, 20),  # needs exactly the oldest record Kafka has: no gap
        (10, 40, 20, None),  # needs records Kafka no longer has: a gap
        (0, None, 3, None),  # empty database, retention passed: a gap, not a silent start at 3
    ],
)
def test_plan_start(needed: int, committed: int | None, earliest: int, start: int | None) -> None:
    assert plan_start(needed, committed, earliest) == start


def test_a_batch_records_max_offset_plus_one_and_rewinds_to_its_first_offset() -> None:
    records = [Record("v", 0, 5), Record("v", 2, 9), Record("v", 0, 7), Record("v", 0, 6), Record("v", 2, 8)]
    assert next_offsets(records) == {TopicPartition("v", 0): 8, TopicPartition("v", 2): 10}
    assert first_offsets(records) == {TopicPartition("v", 0): 5, TopicPartition("v", 2): 8}
    assert next_offsets([]) == {}


def test_migration_0004_names_no_topic_the_settings_may_change() -> None:
    sql = next(m.sql for m in shipped_migrations() if m.version == 4)
    for spec in TOPICS.values():
        assert spec.name not in sql
    assert "current_setting('votelab.votes_topic')" in sql


GAP = ReplayGap(7, "vote-events", 2, 120, 150, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


def test_accept_says_exactly_which_records_are_given_up() -> None:
    text = describe_acceptance(GAP)
    assert text.startswith("Accepting gives up the records at offsets 120..149 of vote-events partition 2 (30 offsets)")
    assert "moves to 150" in text and "resumes the partition from offset 150" in text
    assert "app.tools.consistency check" in text
    assert describe_acceptance(GAP, done=True).startswith("Accepted: gave up the records at offsets 120..149")
    assert "needs offset 120, Kafka's earliest is 150 (30 offsets missing)" in describe_gap(GAP)
    assert GAP.to_dict()["missing"] == 30 and GAP.to_dict()["accepted_at"] is None


def test_command_line() -> None:
    args = parser().parse_args(["accept", "--partition", "2"])
    assert (args.action, args.partition, args.topic, args.confirm) == ("accept", 2, None, False)
    args = parser().parse_args(["accept", "--partition", "1", "--topic", "t", "--confirm", "--note", "retention"])
    assert (args.topic, args.confirm, args.note) == ("t", True, "retention")
    assert parser().parse_args(["status", "--json"]).json is True


@pytest.mark.parametrize("argv", [[], ["accept"], ["accept", "--partition", "two"], ["status", "--confirm"], ["drop"]])
def test_command_line_refuses(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert "usage: votelab-replay-gap" in capsys.readouterr().err
