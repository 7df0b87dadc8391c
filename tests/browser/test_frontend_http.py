"""The front end's own HTTP surface: health, security headers, and the /api proxy contract (no browser)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from browser_helpers import api_results, with_vote

from devstack.stack import Stack


def test_healthz_reports_the_bundle_version(frontend: str) -> None:
    response = httpx.get(f"{frontend}/healthz", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] not in ("", "dev")


def test_pages_carry_security_headers(frontend: str) -> None:
    for path in ("/", "/results", "/healthz", "/api/results"):
        headers = httpx.get(f"{frontend}{path}", timeout=10).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        document = not path.startswith(("/api/", "/healthz"))
        expected_default = "default-src 'self'" if document else "default-src 'none'"
        assert expected_default in headers["content-security-policy"], (path, headers["content-security-policy"])
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "x-powered-by" not in headers
    # Scripts run only with a per-response nonce: no 'unsafe-inline' for scripts, a new nonce every time.
    policies = [httpx.get(f"{frontend}/", timeout=10).headers["content-security-policy"] for _ in range(2)]
    script_src = [next(d for d in p.split("; ") if d.startswith("script-src")) for p in policies]
    assert all("'nonce-" in s and "unsafe-inline" not in s for s in script_src), script_src
    assert script_src[0] != script_src[1]


def test_proxy_forwards_votes_and_a_repeated_idempotency_key_counts_once(frontend: str, api: httpx.Client) -> None:
    before = api_results(api)
    key = str(uuid.uuid4())
    ballot = {"user_id": f"anonymous-{uuid.uuid4().hex}", "candidate_id": "biweekly", "vote_type": "for"}
    with httpx.Client(base_url=frontend, timeout=15) as client:
        first = client.post("/api/vote", json=ballot, headers={"Idempotency-Key": key})
        again = client.post("/api/vote", json=ballot, headers={"Idempotency-Key": key})
        invalid = client.post("/api/vote", json={**ballot, "candidate_id": "weekly"})
        admin = client.get("/api/admin/consistency")
    assert first.status_code == 202, first.text
    assert again.status_code == 202, again.text
    assert first.json()["vote_id"] == again.json()["vote_id"]
    assert invalid.status_code == 422
    assert any(err["loc"][-1] == "candidate_id" for err in invalid.json()["detail"])
    assert admin.status_code == 404
    expected = with_vote(before, "biweekly", "for")
    deadline = time.monotonic() + 15
    while api_results(api) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api_results(api) == expected


def test_proxy_rides_out_an_api_restart(api_running: Stack, frontend: str, api: httpx.Client) -> None:
    """A vote sent while the API is down (as in a rolling redeploy) is retried by the proxy until the API is back."""
    stack = api_running
    before = api_results(api)
    stack.stop_api()
    ballot = {"user_id": f"anonymous-{uuid.uuid4().hex}", "candidate_id": "monthly", "vote_type": "against"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(
            httpx.post,
            f"{frontend}/api/vote",
            json=ballot,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=30,
        )
        stack.start_api()
        response = pending.result()
    assert response.status_code == 202, response.text
    expected = with_vote(before, "monthly", "against")
    deadline = time.monotonic() + 15
    while api_results(api) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api_results(api) == expected
