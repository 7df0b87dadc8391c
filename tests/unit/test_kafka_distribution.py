"""The Kafka distribution build (scripts/build-kafka-dist.sh): one version everywhere, and a lock that refuses any
jar it does not know. The refusals run the real script (Maven offline, from the local repository `make kafka-dist`
filled; `make bootstrap` installs mvn) against a doctored copy of the lock."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
POM = ROOT / "packaging" / "kafka" / "pom.xml"
LOCK = ROOT / "packaging" / "kafka" / "jars.sha512"
SCRIPT = ROOT / "scripts" / "build-kafka-dist.sh"


def pom_property(name: str) -> str:
    match = re.search(rf"<{re.escape(name)}>([^<]+)</{re.escape(name)}>", POM.read_text())
    assert match, f"{POM} has no <{name}>"
    return match.group(1)


def lock_entries() -> dict[str, str]:
    entries = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split()
            entries[name] = digest
    return entries


def test_the_role_installs_the_version_the_pom_builds() -> None:
    defaults = yaml.safe_load((ROOT / "roles" / "kafka" / "defaults" / "main.yml").read_text())
    assert str(defaults["kafka_version"]) == pom_property("kafka.version")
    assert str(defaults["kafka_scala_version"]) == pom_property("scala.binary.version")


def test_the_lock_pins_every_jar_with_a_sha512_and_one_kafka_version() -> None:
    entries = lock_entries()
    version = pom_property("kafka.version")
    assert len(entries) > 50
    for name, digest in entries.items():
        assert name.endswith(".jar"), name
        assert re.fullmatch(r"[0-9a-f]{128}", digest), f"{name}: not a SHA-512"
    kafka_jars = [n for n in entries if n.startswith("kafka")]
    assert kafka_jars and all(n.endswith(f"-{version}.jar") for n in kafka_jars), kafka_jars
    assert f"netty-common-{pom_property('netty.version')}.jar" in entries  # the Netty Kafka's release ships
    assert any(n.startswith("reload4j-") for n in entries), "no logging backend"


def build_with_lock(tmp_path: Path, lock_text: str) -> subprocess.CompletedProcess[str]:
    lock = tmp_path / "jars.sha512"
    lock.write_text(lock_text)
    env = {"KAFKA_DIST_LOCK": str(lock), "KAFKA_DIST_BUILD": str(tmp_path / "build"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=300)


def test_a_changed_jar_is_refused_by_name(tmp_path: Path) -> None:
    entries = lock_entries()
    victim = next(n for n in entries if n.startswith("kafka-clients-"))
    text = LOCK.read_text().replace(entries[victim], "0" * 128)
    result = build_with_lock(tmp_path, text)
    assert result.returncode != 0
    assert f"SHA-512 differs from the lock: {victim}" in result.stderr
    assert not list((tmp_path / "build" / "release").glob("*.tgz")), "an archive was written despite the refusal"


def test_an_unexpected_jar_and_a_missing_jar_are_refused(tmp_path: Path) -> None:
    lines = LOCK.read_text().splitlines()
    dropped = next(line for line in lines if "zookeeper-jute" in line)
    text = "\n".join(line for line in lines if line != dropped) + "\n" + "f" * 128 + "  not-resolved-1.0.jar\n"
    result = build_with_lock(tmp_path, text)
    assert result.returncode != 0
    assert f"unexpected jar (not in the lock): {dropped.split()[1]}" in result.stderr
    assert "jar in the lock but not resolved: not-resolved-1.0.jar" in result.stderr


def test_the_pinned_lock_builds_the_same_archive_twice(tmp_path: Path) -> None:
    first = build_with_lock(tmp_path, LOCK.read_text())
    assert first.returncode == 0, first.stderr
    assert "nothing downloaded" in first.stdout
    archive = next((tmp_path / "build" / "release").glob("kafka_*.tgz"))
    digest = archive.with_name(archive.name + ".sha512").read_text().split()[0]
    second = build_with_lock(tmp_path, LOCK.read_text())
    assert second.returncode == 0, second.stderr
    assert archive.with_name(archive.name + ".sha512").read_text().split()[0] == digest, "archive not reproducible"
