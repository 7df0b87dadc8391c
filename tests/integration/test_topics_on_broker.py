"""The broker's topics are the ones app/core/topics.json describes: the stack's topic check (the consumer's, also
run by devstack) created them from the same file the kafka role reads."""

from __future__ import annotations

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from app.core.topics import TOPICS
from devstack import Stack


def test_topics_have_the_described_partitions_replicas_and_retention(stack: Stack) -> None:
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap_servers, request_timeout_ms=10000)
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        described = {t["name"]: t for t in admin.describe_topics([spec.name for spec in TOPICS.values()])}
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, spec.name, ["retention.ms"]) for spec in TOPICS.values()]
        )["topic"]
    finally:
        admin.close()
    for spec in TOPICS.values():
        partitions = described[spec.name]["partitions"]
        assert len(partitions) == spec.partitions, spec.name
        assert {len(p["replica_nodes"]) for p in partitions} == {spec.replicas_on(brokers)}, spec.name
        retention = configs[spec.name]["retention.ms"]
        assert (retention["value"], retention["config_source"]) == (str(spec.retention_ms), "DYNAMIC_TOPIC_CONFIG")
