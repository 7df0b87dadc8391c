"""The project's Kafka topics, described once in topics.json (next to this module, shipped in the wheel).

The kafka role creates them from the same file (group_vars reads it into `kafka_topics`), the consumer's topic check
creates any that is missing from it, and the tests use it. A topic's replication factor is a ceiling: a cluster with
fewer brokers gets one replica per broker, in Python and in the role alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its name, partitions, replication ceiling and retention."""

    name: str
    partitions: int
    replication_factor: int
    retention_ms: int

    def replicas_on(self, brokers: int) -> int:
        """The replication factor on a cluster of `brokers` brokers (never more replicas than brokers)."""
        return max(1, min(self.replication_factor, brokers))

    def configs(self) -> dict[str, str]:
        """Topic-level configs given at creation."""
        return {"retention.ms": str(self.retention_ms)}


def _load() -> dict[str, TopicSpec]:
    raw = json.loads(resources.files(__package__).joinpath("topics.json").read_text())
    return {role: TopicSpec(**spec) for role, spec in raw.items()}


TOPICS = _load()
VOTES = TOPICS["votes"]
DEAD_LETTERS = TOPICS["dead_letters"]
