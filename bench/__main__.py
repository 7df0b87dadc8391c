"""`python -m bench` (make bench): measure the pipeline on a fresh loopback stack and write bench/results.json.

The API rates are measured with the consumer stopped: in the lab the consumer runs on another VM (VM3), and on this
two-core machine it would otherwise take CPU from the API under test. Every figure comes from this one run.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from bench import kafka_rates, latency, store_stage, wrk
from bench.figures import KEYS, TARGETS
from devstack import BENCH_PORTS, Stack, fresh_stack

RESULTS = Path(__file__).with_name("results.json")
STATE_DIR = Path("/tmp/votelab-bench")
DRAIN_COUNT = 20000


class _Figures(dict[str, float]):
    """Prints each figure as soon as it is measured (a long run shows progress)."""

    def __setitem__(self, key: str, value: float) -> None:
        print(f"  {key:32} {value:10.1f}", flush=True)
        super().__setitem__(key, value)


def wait_for_lag_zero(stack: Stack, timeout_s: float = 180) -> None:
    """Wait until the consumer group has committed everything on the vote topic."""
    from app.core.kafka_admin import consumer_lag

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if consumer_lag(stack.settings())["total_lag"] == 0:
            return
        time.sleep(1)
    raise RuntimeError("consumer did not catch up")


def main() -> int:
    """Run every measurement, print the table, write results.json."""
    figures: dict[str, float] = _Figures()
    with fresh_stack(STATE_DIR, BENCH_PORTS) as stack:
        stack.stop_consumer()
        wrk.run(stack.api_url + "/api/vote/validate", 2, post_votes=True)  # warm-up
        figures["api_noop_requests_per_s"] = wrk.run(stack.api_url + "/api/vote/validate", 8, post_votes=True).ok_per_s
        figures["api_accepted_votes_per_s"] = wrk.run(stack.api_url + "/api/vote", 8, post_votes=True).ok_per_s
        figures["results_reads_per_s"] = wrk.run(stack.api_url + "/api/results", 8).ok_per_s

        stack.start_consumer()
        wait_for_lag_zero(stack)
        p50, p99, _n = latency.measure(stack.api_url, rate=500, seconds=10)
        figures["e2e_latency_ms_p50"] = p50
        figures["e2e_latency_ms_p99"] = p99
        stack.stop_consumer()

        topic, prefix = "bench-drain", f"drain-{uuid.uuid4().hex[:8]}"
        kafka_rates.prefill(stack, topic, DRAIN_COUNT, prefix)
        figures["broker_drain_per_s"] = kafka_rates.bare_drain_rate(stack, topic, DRAIN_COUNT)
        figures["consumer_stored_votes_per_s"] = kafka_rates.consumer_store_rate(stack, topic, DRAIN_COUNT, prefix)
        figures["store_stage_votes_per_s"] = store_stage.store_rate(stack)

    results = {k: round(figures[k], 1) for k in KEYS}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{'measure':32} {'value':>10}  target")
    for key in KEYS:
        print(f"{key:32} {results[key]:>10.1f}  {TARGETS.get(key, '')}")
    ratio_api = results["api_accepted_votes_per_s"] / results["api_noop_requests_per_s"]
    ratio_consumer = results["consumer_stored_votes_per_s"] / results["store_stage_votes_per_s"]
    print(f"\naccepted/no-op = {ratio_api:.0%}, consumer/storage step = {ratio_consumer:.0%}; written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
