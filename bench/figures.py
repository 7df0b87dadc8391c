"""What each figure of bench/results.json measures and its target, in one place: `python -m bench` prints the targets
and `python -m bench.report` renders the README's figures from them, so the two cannot tell different stories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Target:
    """A bound on a figure: absolute (`≥ 10000`) or a percentage of another figure (`≥ 50% of <key>`)."""

    bound: Literal["≥", "≤"]
    value: float
    of: str | None = None

    def threshold(self, results: Mapping[str, float]) -> float:
        """The bound in the figure's own unit, given the run's other figures."""
        return results[self.of] * self.value / 100 if self.of else self.value

    def text(self) -> str:
        """The target as `python -m bench` prints it."""
        return f"{self.bound} {self.value:g}% of {self.of}" if self.of else f"{self.bound} {self.value:g}"


@dataclass(frozen=True)
class Figure:
    """One key of bench/results.json."""

    key: str
    label: str
    unit: str
    target: Target | None = None

    def met(self, results: Mapping[str, float]) -> bool | None:
        """Whether the run met the target (None when the figure has none)."""
        if self.target is None:
            return None
        threshold = self.target.threshold(results)
        value = results[self.key]
        return value >= threshold if self.target.bound == "≥" else value <= threshold


# In results.json's order.
FIGURES: tuple[Figure, ...] = (
    Figure(
        "api_accepted_votes_per_s",
        "votes accepted by the API (`POST /api/vote`, 202 once the broker acknowledged, acks=all)",
        "/s",
        Target("≥", 50, "api_noop_requests_per_s"),
    ),
    Figure(
        "api_noop_requests_per_s",
        "validation-only requests (`POST /api/vote/validate`, nothing published): the API's ceiling",
        "/s",
    ),
    Figure("broker_drain_per_s", "messages a bare consumer reads from the broker and discards", " msg/s"),
    Figure(
        "consumer_stored_votes_per_s",
        "votes one consumer (`python -m app.consumer`) takes from the broker and stores",
        "/s",
        Target("≥", 80, "store_stage_votes_per_s"),
    ),
    Figure(
        "store_stage_votes_per_s",
        "the consumer's storage step alone (PostgreSQL transaction and Redis round trip per batch, no broker)",
        "/s",
        Target("≥", 10000),
    ),
    Figure("results_reads_per_s", "`GET /api/results` answered", "/s", Target("≥", 5000)),
    Figure("e2e_latency_ms_p50", "vote → visible in `GET /api/results` at 500 votes/s, median", " ms"),
    Figure(
        "e2e_latency_ms_p99",
        "vote → visible in `GET /api/results` at 500 votes/s, 99th percentile",
        " ms",
        Target("≤", 250),
    ),
)
KEYS: list[str] = [figure.key for figure in FIGURES]
TARGETS: dict[str, str] = {figure.key: figure.target.text() for figure in FIGURES if figure.target}
