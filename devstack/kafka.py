"""Apache Kafka and ZooKeeper for the local stack, run from the distribution `make kafka-dist` builds.

The JVMs run the same jars the kafka role installs on VM2 (build/kafka/current), in ZooKeeper mode, with small heaps
and data kept under the stack's state dir, so a broker restart keeps topics, messages and committed offsets as on a
real host.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KAFKA_HOME = REPO_ROOT / "build" / "kafka" / "current"
BROKER_HEAP = "384m"
ZOOKEEPER_HEAP = "128m"
# ZooKeeper drops a killed broker's registration after this long; a broker started again waits for that
ZOOKEEPER_SESSION_TIMEOUT_MS = 6000


def kafka_home() -> Path:
    """The distribution's directory; a clear error when it has not been built."""
    if not (KAFKA_HOME / "bin" / "kafka-run").exists():
        raise RuntimeError(f"no Kafka distribution at {KAFKA_HOME}: run `make kafka-dist`")
    return KAFKA_HOME


def _jvm_env(base: dict[str, str], heap: str) -> dict[str, str]:
    env = dict(base)
    env["KAFKA_HEAP_OPTS"] = f"-Xms{heap} -Xmx{heap}"
    return env


def zookeeper_command(workdir: Path, port: int, base_env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Write zoo.cfg for a standalone server on 127.0.0.1:port; the argv and environment that start it."""
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    conf = workdir / "zoo.cfg"
    conf.write_text(
        f"dataDir={data}\nclientPort={port}\nclientPortAddress=127.0.0.1\ntickTime=500\ninitLimit=20\nsyncLimit=10\n"
        "maxSessionTimeout=60000\nadmin.enableServer=false\n4lw.commands.whitelist=srvr,ruok\n"
    )
    return [str(kafka_home() / "bin" / "zookeeper-server-start"), str(conf)], _jvm_env(base_env, ZOOKEEPER_HEAP)


def broker_command(
    workdir: Path, port: int, zookeeper_port: int, base_env: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """Write server.properties for broker 1 on 127.0.0.1:port; the argv and environment that start it."""
    logs = workdir / "data"
    logs.mkdir(parents=True, exist_ok=True)
    conf = workdir / "server.properties"
    properties = {
        "broker.id": "1",
        "listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "zookeeper.connect": f"127.0.0.1:{zookeeper_port}",
        "zookeeper.session.timeout.ms": str(ZOOKEEPER_SESSION_TIMEOUT_MS),
        "log.dirs": str(logs),
        "num.partitions": "3",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # the log cleaner allocates this on the heap at start (default 128 MiB, too much for a small heap)
        "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
        "num.recovery.threads.per.data.dir": "1",
    }
    conf.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
    return [str(kafka_home() / "bin" / "kafka-server-start"), str(conf)], _jvm_env(base_env, BROKER_HEAP)


def kafka_version() -> str:
    """The version of the distribution the stack runs (its VERSION file)."""
    return (kafka_home() / "VERSION").read_text().strip()
