"""Prometheus metrics of one API instance, in its own registry (no module-level global state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class ApiMetrics:
    """Requests, accepted votes, publish failures and publish latency."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "votelab_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.votes_accepted = Counter(
            "votelab_votes_accepted", "Votes acknowledged by the broker and answered 202", registry=self.registry
        )
        self.publish_failures = Counter(
            "votelab_vote_publish_failures",
            "Votes the broker did not acknowledge (answered 503)",
            registry=self.registry,
        )
        self.publish_latency = Histogram(
            "votelab_vote_publish_latency_seconds",
            "Time from publish to broker acknowledgement",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "votelab_votes_rate_limited", "Votes refused with 429 (client over its limit)", registry=self.registry
        )
        self.rate_limit_fail_open = Counter(
            "votelab_rate_limit_fail_open",
            "Votes let through unchecked because the rate limiter's Redis failed",
            registry=self.registry,
        )
        self.results_fallbacks = Counter(
            "votelab_results_postgresql_fallbacks",
            "Results computed from PostgreSQL because Redis failed",
            registry=self.registry,
        )
