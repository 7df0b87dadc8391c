"""Who the rate limiter counts: the socket peer, or the last X-Forwarded-For hop only behind a trusted proxy; and a
malformed VOTELAB_TRUSTED_PROXIES is refused at start-up; limit 0 disables the limiter; an unreachable Redis fails open
(counted)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
import redis.asyncio
from pydantic import ValidationError

from app.api.metrics import ApiMetrics
from app.api.ratelimit import RateLimiter, client_address
from app.core.settings import Settings

FRONT_END = [ipaddress.ip_network("172.16.1.19/32"), ipaddress.ip_network("10.0.0.0/8")]


def test_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    assert client_address("203.0.113.5", "198.51.100.1", FRONT_END) == "203.0.113.5"
    assert client_address("203.0.113.5", None, FRONT_END) == "203.0.113.5"


def test_no_trusted_proxies_means_forwarded_for_is_ignored() -> None:
    assert client_address("172.16.1.19", "198.51.100.1", []) == "172.16.1.19"


def test_trusted_proxy_last_hop_counts_not_the_spoofable_left_hops() -> None:
    assert client_address("172.16.1.19", "198.51.100.1", FRONT_END) == "198.51.100.1"
    assert client_address("10.2.3.4", "6.6.6.6, 198.51.100.1", FRONT_END) == "198.51.100.1"
    assert client_address("172.16.1.19", " 2001:db8::1 ", FRONT_END) == "2001:db8::1"


def test_ipv4_mapped_peer_of_a_dual_stack_listener_is_trusted() -> None:
    assert client_address("::ffff:172.16.1.19", "198.51.100.1", FRONT_END) == "198.51.100.1"


def test_trusted_proxy_with_garbage_hop_counts_against_the_proxy() -> None:
    assert client_address("172.16.1.19", "not-an-ip", FRONT_END) == "172.16.1.19"
    assert client_address("172.16.1.19", "", FRONT_END) == "172.16.1.19"


def test_missing_peer_is_one_bucket() -> None:
    assert client_address(None, "198.51.100.1", FRONT_END) == "unknown"


def test_trusted_proxies_setting_parses_addresses_and_networks() -> None:
    settings = Settings(trusted_proxies="172.16.1.19, 10.0.0.0/8 ::1")
    assert [str(n) for n in settings.trusted_proxy_networks()] == ["172.16.1.19/32", "10.0.0.0/8", "::1/128"]
    assert Settings().trusted_proxy_networks() == []


def test_malformed_trusted_proxies_is_refused() -> None:
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies="172.16.1.19,frontend.example")


def _limiter(limit: int) -> tuple[RateLimiter, ApiMetrics, redis.asyncio.Redis]:
    metrics = ApiMetrics()
    client = redis.asyncio.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    return RateLimiter(client, limit, 60, metrics), metrics, client


def test_limit_zero_disables_the_limiter_without_touching_redis() -> None:
    async def scenario() -> float | None:
        limiter, metrics, client = _limiter(0)
        try:
            decisions = [await limiter.check("198.51.100.1") for _ in range(100)]
        finally:
            await client.aclose()
        assert all(d.allowed for d in decisions)
        return metrics.registry.get_sample_value("votelab_rate_limit_fail_open_total")

    assert asyncio.run(scenario()) == 0


def test_unreachable_redis_fails_open_and_is_counted() -> None:
    async def scenario() -> tuple[bool, float | None]:
        limiter, metrics, client = _limiter(1)
        try:
            decisions = [await limiter.check("198.51.100.1") for _ in range(3)]
        finally:
            await client.aclose()
        assert all(1 <= d.retry_after_s <= 60 for d in decisions)
        return all(d.allowed for d in decisions), metrics.registry.get_sample_value(
            "votelab_rate_limit_fail_open_total"
        )

    assert asyncio.run(scenario()) == (True, 3)
