"""What the end-to-end tests read and do on the lab: PostgreSQL rows on the PostgreSQL host, Redis counters on the
Redis host, the app's own consistency check on the consumer host, service control for fault injection.

All through podman exec (inspection and fault injection, as from a VM's console), so no lab port or account needs
opening for the tests; Ansible itself reaches the VMs over SSH.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from lab.hosts import Inventory, LabHost
from lab.status import GROUP_HEALTH, GROUP_UNITS, http_check

CANDIDATES = ("monthly", "biweekly")
TYPES = ("for", "against")
APP_PYTHON = "/opt/votelab/current/venv/bin/python"

READ_EVENT = """
import json, sys
from kafka import KafkaConsumer, TopicPartition
servers, topic, wanted = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, consumer_timeout_ms=3000)
parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
consumer.assign(parts)
consumer.seek_to_beginning(*parts)
for record in consumer:
    if wanted.encode() in record.value:
        print(json.dumps({"key": record.key.decode(), "value": json.loads(record.value)}))
        break
"""


class LabChecks:
    """Reads and fault controls on the running lab."""

    def __init__(self, inventory: Inventory, secrets: dict[str, str]) -> None:
        self.inventory = inventory
        self.secrets = secrets
        self.pg_host = inventory.first("postgresql")
        self.redis_host = inventory.first("redis")
        self.consumer_host = inventory.first("consumer")
        self.api_host = inventory.first("api")
        self.kafka_host = inventory.first("kafka")

    # --- reads -------------------------------------------------------------------------------------------------
    def psql(self, sql: str) -> list[list[str]]:
        out = self.pg_host.run("runuser", "-u", "postgres", "--", "psql", "-d", "votelab", "-AtF", "\t", "-c", sql)
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def stored_vote_ids(self, user_prefix: str) -> list[str]:
        """Every vote_events row of the voters whose id starts with user_prefix (duplicates would show twice)."""
        rows = self.psql(f"SELECT vote_id FROM vote_events WHERE user_id LIKE '{user_prefix}%'")
        return [r[0] for r in rows]

    def pg_results(self) -> dict[str, dict[str, int]]:
        results = {c: {"for": 0, "against": 0, "total": 0} for c in CANDIDATES}
        for candidate, vote_type, n in self.psql("SELECT candidate_id, vote_type, count(*) FROM ballots GROUP BY 1, 2"):
            results[candidate][vote_type] = int(n)
            results[candidate]["total"] += int(n)
        return results

    def redis_results(self) -> dict[str, dict[str, int]]:
        keys = [f"vote_result:{c}:{t}" for c in CANDIDATES for t in TYPES]
        keys += [f"vote_result:{c}" for c in CANDIDATES]
        out = self.redis_host.run(
            "env",
            f"REDISCLI_AUTH={self.secrets['vault_redis_password']}",
            "redis-cli",
            "--no-auth-warning",
            "MGET",
            *keys,
        )
        values = [int(v) if v.strip() else 0 for v in out.stdout.splitlines()]
        got = dict(zip(keys, values, strict=True))
        return {
            c: {
                "for": got[f"vote_result:{c}:for"],
                "against": got[f"vote_result:{c}:against"],
                "total": got[f"vote_result:{c}"],
            }
            for c in CANDIDATES
        }

    def consistency(self, timeout: float = 90) -> tuple[int, str]:
        """The app's own `consistency check` on the consumer host, with the consumer's settings; asked again while
        it reports a store unreachable (exit 2: a VM that just restarted may not answer every connection yet)."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.consumer_host.run(
                "bash",
                "-c",
                f"set -a; . /etc/votelab/consumer.env; exec {APP_PYTHON} -m app.tools.consistency check",
                check=False,
            )
            if out.returncode != 2 or time.monotonic() > deadline:
                return out.returncode, out.stdout + out.stderr
            time.sleep(3)

    def read_event(self, vote_id: str) -> dict[str, object] | None:
        """The record carrying vote_id, read back from vote-events from the beginning on the consumer host."""
        env = self.consumer_host.run("bash", "-c", ". /etc/votelab/consumer.env; echo $VOTELAB_KAFKA_BOOTSTRAP_SERVERS")
        out = self.consumer_host.run(
            APP_PYTHON, "-c", READ_EVENT, env.stdout.strip(), "vote-events", vote_id, check=False, timeout=60
        )
        return json.loads(out.stdout) if out.stdout.strip() else None

    # --- waiting ------------------------------------------------------------------------------------------------
    def wait_stored(self, user_prefix: str, accepted: Iterable[str], timeout: float = 180) -> list[str]:
        """Wait until every accepted vote id is in PostgreSQL; returns the stored ids (for exactly-once checks)."""
        wanted = set(accepted)
        deadline = time.monotonic() + timeout
        while True:
            stored = self.stored_vote_ids(user_prefix)
            if wanted <= set(stored) or time.monotonic() > deadline:
                return stored
            time.sleep(2)

    def wait_consistent(self, timeout: float = 120) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Wait until Redis equals PostgreSQL (the consumer repairs Redis after an outage by itself)."""
        deadline = time.monotonic() + timeout
        while True:
            pg, rd = self.pg_results(), self.redis_results()
            if pg == rd or time.monotonic() > deadline:
                return pg, rd
            time.sleep(2)

    # --- service control ---------------------------------------------------------------------------------------
    def hosts_units(self) -> Iterable[tuple[LabHost, str]]:
        for group, units in GROUP_UNITS.items():
            for name in self.inventory.groups.get(group, []):
                for unit in units:
                    yield self.inventory.hosts[name], unit

    def restore_all(self) -> None:
        """Undo any fault: continue frozen processes, start every unit."""
        for host, unit in self.hosts_units():
            host.systemctl("kill", "-s", "SIGCONT", unit, check=False)
            host.systemctl("start", unit, check=False)

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            problems = self.problems()
            if not problems:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"lab not healthy after {timeout}s: {problems}")
            time.sleep(2)

    def problems(self) -> list[str]:
        found = []
        for host, unit in self.hosts_units():
            state = host.systemctl("is-active", unit, check=False).stdout.strip()
            if state != "active":
                found.append(f"{host.name}:{unit}={state}")
        for group, (port, path) in GROUP_HEALTH.items():
            for name in self.inventory.groups.get(group, []):
                ok, detail = http_check(self.inventory.hosts[name], port, path)
                if not ok:
                    found.append(f"{name}:{port}{path}: {detail}")
        return found
