"""app/core/topics.json, the one description of the topics, as the app and the kafka role read it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from app.core.settings import Settings
from app.core.topics import DEAD_LETTERS, TOPICS, VOTES

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_app_defaults_to_the_described_topic_names() -> None:
    settings = Settings()
    assert (settings.kafka_topic, settings.kafka_dlq_topic) == (VOTES.name, DEAD_LETTERS.name)
    assert set(TOPICS) == {"votes", "dead_letters"}


def test_replication_is_a_ceiling_never_more_replicas_than_brokers() -> None:
    assert [VOTES.replicas_on(n) for n in (1, 2, 3, 5)] == [1, 2, 3, 3]
    assert VOTES.configs() == {"retention.ms": str(VOTES.retention_ms)}


def test_group_vars_and_the_role_read_the_file_and_spell_no_topic() -> None:
    group_vars = (REPO_ROOT / "group_vars/all/main.yml").read_text()
    assert "app/core/topics.json" in group_vars
    described = json.loads((REPO_ROOT / "app/core/topics.json").read_text())
    for spec in described.values():
        assert spec["name"] not in group_vars, f"{spec['name']} spelled in group_vars/all/main.yml"
    role_defaults = yaml.safe_load((REPO_ROOT / "roles/kafka/defaults/main.yml").read_text())
    assert role_defaults["kafka_topics"] == []
