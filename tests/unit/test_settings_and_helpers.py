"""Settings from the environment, secret handling, tracker parsing, reprocess fixes, socket activation."""

from __future__ import annotations

import json
import os

import pytest

from app.api.__main__ import activation_fd
from app.api.middleware import route_label
from app.core.dead_letters import fixed_payload
from app.core.settings import Settings, redact_url
from app.core.tracker import counts_from_hash, state_from_hash
from app.tools.migrate import shipped_migrations


def test_settings_come_from_votelab_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOTELAB_KAFKA_BOOTSTRAP_SERVERS", "a:1, b:2")
    monkeypatch.setenv("VOTELAB_REDIS_URL", "redis://default:s3cret@h:6379/0")
    monkeypatch.setenv("VOTELAB_ADMIN_TOKEN", "tok3n")
    monkeypatch.setenv("VOTELAB_RELEASE", "9.9.9")
    settings = Settings()
    assert settings.bootstrap_list() == ["a:1", "b:2"]
    assert settings.kafka_topic == "vote-events"
    assert settings.kafka_dlq_topic == "vote-events-dlq"
    assert settings.kafka_group_id == "vote-consumer"
    assert settings.api_host == "127.0.0.1"
    assert settings.api_port == 8000
    assert settings.release == "9.9.9"
    assert "s3cret" not in repr(settings) and "tok3n" not in repr(settings)


def test_redact_url_hides_password() -> None:
    assert redact_url("redis://default:pw@h:1/0") == "redis://default:***@h:1/0"
    assert redact_url("redis://h:1/0") == "redis://h:1/0"


def test_tracker_hash_to_state() -> None:
    raw = {b"status": b"stored", b"accepted_at": b"t1", b"stored_at": b"t2"}
    assert state_from_hash("v", raw) == {
        "vote_id": "v",
        "status": "stored",
        "timestamps": {"accepted": "t1", "stored": "t2"},
        "source": "redis",
    }
    assert state_from_hash("v", {}) is None
    assert counts_from_hash({b"accepted": b"3"})["accepted"] == 3
    assert counts_from_hash({})["dead_lettered"] == 0


def test_reprocess_applies_fixes_and_derives_stable_vote_id() -> None:
    letter = {"payload": b'{"schema_version": 1, "candidate_id": "montly"}', "source_partition": 1, "source_offset": 7}
    first = json.loads(fixed_payload(letter, {"candidate_id": "monthly"}))
    again = json.loads(fixed_payload(letter, {"candidate_id": "monthly"}))
    assert first["candidate_id"] == "monthly"
    assert first["vote_id"] == again["vote_id"]
    assert fixed_payload({"payload": b"{bad", "source_partition": 0, "source_offset": 0}, {}) == b"{bad"


def test_socket_activation_only_for_this_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTEN_FDS", "1")
    monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
    assert activation_fd() == 3
    monkeypatch.setenv("LISTEN_PID", str(os.getpid() + 1))
    assert activation_fd() is None
    monkeypatch.delenv("LISTEN_FDS")
    monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
    assert activation_fd() is None


def test_route_labels_are_bounded() -> None:
    assert route_label("/api/votes/123") == "/api/votes/{vote_id}"
    assert route_label("/api/vote") == "/api/vote"
    assert route_label("/random/path") == "other"


def test_migrations_are_versioned_in_order() -> None:
    migrations = shipped_migrations()
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    assert migrations[0].version == 1 and "CREATE TABLE ballots" in migrations[0].sql
