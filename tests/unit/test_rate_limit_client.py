"""Who the rate limiter counts: the socket peer, or the last X-Forwarded-For hop only behind a trusted proxy; and a
malformed VOTELAB_TRUSTED_PROXIES is refused at start-up."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from app.api.ratelimit import client_address
from app.settings import Settings

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
