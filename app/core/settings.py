"""Runtime configuration from the environment (prefix VOTELAB_); secrets are SecretStr so they never reach logs."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app._version import __version__
from app.core.topics import DEAD_LETTERS, VOTES


class Settings(BaseSettings):
    """Every knob of the API, the consumer and the command-line tools."""

    model_config = SettingsConfigDict(env_prefix="VOTELAB_", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # the names from topics.json; a benchmark or test may point the app at topics of its own (same descriptions)
    kafka_topic: str = VOTES.name
    kafka_dlq_topic: str = DEAD_LETTERS.name
    kafka_group_id: str = "vote-consumer"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    database_url: SecretStr = SecretStr("postgresql://votelab@127.0.0.1:5432/votelab")
    admin_token: SecretStr = SecretStr("")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    log_level: str = "INFO"
    release: str = __version__

    # API behaviour
    max_body_bytes: int = Field(default=4096, ge=256)
    producer_linger_ms: int = Field(default=2, ge=0, le=100)
    publish_timeout_s: float = Field(default=2.0, gt=0)
    dependency_timeout_s: float = Field(default=1.0, gt=0)
    results_cache_ms: int = Field(default=50, ge=0, le=1000)
    tracker_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)

    # abuse limit: at most rate_limit_votes POST /api/vote per client address per window (0 = no limit). The client
    # is the socket peer, or the last X-Forwarded-For hop when the peer is a trusted proxy (comma-separated
    # addresses/CIDRs: the front-end hosts)
    rate_limit_votes: int = Field(default=60, ge=0)
    rate_limit_window_s: int = Field(default=60, ge=1, le=3600)
    trusted_proxies: str = ""

    # consumer behaviour
    consumer_batch_size: int = Field(default=1000, ge=1)
    consumer_poll_timeout_ms: int = Field(default=200, ge=1)
    consumer_session_timeout_ms: int = Field(default=6000, ge=1000)
    consumer_max_poll_interval_ms: int = Field(default=15000, ge=2000)
    consumer_backoff_max_s: float = Field(default=5.0, gt=0)
    applied_marker_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    # how often a partition paused on a replay gap is checked for an accepted gap (python -m app.tools.replay_gap)
    consumer_gap_check_s: float = Field(default=5.0, gt=0)
    # a consumer that has not joined its group for this long is made anew (kafka-python 3.0 can stay out of the group
    # for good after its coordinator lookup failed while the broker restarted)
    consumer_rejoin_after_s: float = Field(default=30.0, ge=5)
    # touched while the poll loop turns, for an exec liveness probe (python -m app.consumer.liveness); '' = none
    consumer_liveness_file: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        """Refuse a malformed proxy list at start-up rather than trusting nobody (or everybody) by surprise."""
        for entry in _split(value):
            ipaddress.ip_network(entry, strict=False)
        return value

    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """VOTELAB_TRUSTED_PROXIES as networks (a bare address is a /32 or /128)."""
        return [ipaddress.ip_network(entry, strict=False) for entry in _split(self.trusted_proxies)]

    def bootstrap_list(self) -> list[str]:
        """The comma list as kafka-python wants it."""
        return [s.strip() for s in self.kafka_bootstrap_servers.split(",") if s.strip()]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and status pages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def load_settings() -> Settings:
    """Read settings from the environment (one place, so entry points and tests agree)."""
    return Settings()
