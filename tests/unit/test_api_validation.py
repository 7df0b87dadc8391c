"""Every validation error of the API answers 422 naming the field (413 when oversize); no dependency is touched,
so these run without a broker, Redis or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api.main import create_app
from app.core.settings import Settings

GOOD = {"user_id": "anonymous-1", "candidate_id": "monthly", "vote_type": "for"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = Settings(
        kafka_bootstrap_servers="127.0.0.1:9",
        redis_url=SecretStr("redis://127.0.0.1:9/0"),
        database_url=SecretStr("postgresql://x:y@127.0.0.1:9/db"),
        admin_token=SecretStr("admin-secret"),
        release="1.2.3-test",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [".".join(str(p) for p in e["loc"]) for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "candidate_id": "weekly"}, "body.candidate_id"),
        ({**GOOD, "vote_type": "maybe"}, "body.vote_type"),
        ({k: v for k, v in GOOD.items() if k != "user_id"}, "body.user_id"),
        ({k: v for k, v in GOOD.items() if k != "candidate_id"}, "body.candidate_id"),
        ({k: v for k, v in GOOD.items() if k != "vote_type"}, "body.vote_type"),
        ({**GOOD, "user_id": "a" * 65}, "body.user_id"),
        ({**GOOD, "user_id": ""}, "body.user_id"),
        ({**GOOD, "user_id": "has space"}, "body.user_id"),
        ({**GOOD, "user_id": 5}, "body.user_id"),
    ],
)
def test_invalid_vote_is_422_naming_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    assert field in _fields(client.post("/api/vote", json=body))
    assert field in _fields(client.post("/api/vote/validate", json=body))


def test_malformed_json_is_422(client: TestClient) -> None:
    fields = _fields(client.post("/api/vote", content=b"{nope", headers={"content-type": "application/json"}))
    assert fields and fields[0].startswith("body")


def test_bad_idempotency_key_is_422_naming_the_header(client: TestClient) -> None:
    assert "header.Idempotency-Key" in _fields(client.post("/api/vote", json=GOOD, headers={"Idempotency-Key": "x"}))


def test_oversize_body_is_413(client: TestClient) -> None:
    big = {**GOOD, "padding": "x" * 10000}
    response = client.post("/api/vote", json=big)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_oversize_chunked_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    response = client.post("/api/vote", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_vote_id_must_be_uuid(client: TestClient) -> None:
    assert "path.vote_id" in _fields(client.get("/api/votes/not-a-uuid"))


def test_validate_endpoint_accepts_good_body(client: TestClient) -> None:
    response = client.post("/api/vote/validate", json=GOOD)
    assert response.status_code == 200 and response.json() == {"valid": True}


def test_healthz_reports_release(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "version": "1.2.3-test"}


def test_admin_requires_the_token(client: TestClient) -> None:
    missing = client.get("/admin/pipeline")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/admin/pipeline", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/admin/pipeline", headers={"Authorization": "Basic YWRtaW46eA=="}).status_code == 401
    assert client.post("/admin/consistency/repair").status_code == 401
    assert client.post("/admin/reprocess", headers={"Authorization": "Bearer admin-secre"}).status_code == 403


def test_empty_admin_token_disables_admin() -> None:
    settings = Settings(
        kafka_bootstrap_servers="127.0.0.1:9",
        redis_url=SecretStr("redis://127.0.0.1:9/0"),
        database_url=SecretStr("postgresql://x:y@127.0.0.1:9/db"),
        admin_token=SecretStr(""),
    )
    with TestClient(create_app(settings)) as disabled:
        assert disabled.get("/admin/pipeline").status_code == 401
        for token in ("x", "admin-secret", "None", "''"):
            refused = disabled.get("/admin/pipeline", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 403 and "disabled" in refused.text
        assert disabled.get("/admin/pipeline", headers={"Authorization": "Bearer "}).status_code == 401


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    expected = ["/api/vote", "/api/vote/validate", "/api/results", "/api/votes/{vote_id}", "/healthz", "/readyz"]
    expected += ["/metrics", "/admin/consistency", "/admin/consistency/repair", "/admin/reprocess", "/admin/pipeline"]
    for path in expected:
        assert path in paths, path
    vote = paths["/api/vote"]["post"]
    assert {"202", "413", "422", "429", "503"} <= set(vote["responses"])
    assert {"401", "403"} <= set(paths["/admin/pipeline"]["get"]["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in vote["parameters"])
    results_schema = spec["components"]["schemas"]["CandidateResult"]
    assert {"for", "against", "total"} <= set(results_schema["properties"])


def test_metrics_do_not_leak_secrets(client: TestClient) -> None:
    client.post("/api/vote/validate", json=GOOD)
    text = client.get("/metrics").text
    assert "votelab_http_requests_total" in text
    assert "admin-secret" not in text


def test_undecodable_body_is_422_naming_the_body(client: TestClient) -> None:
    response = client.post("/api/vote", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert _fields(response) == ["body"]


def test_optional_header_is_not_nullable_in_the_document(client: TestClient) -> None:
    vote = client.get("/openapi.json").json()["paths"]["/api/vote"]["post"]
    header = next(p for p in vote["parameters"] if p["name"] == "Idempotency-Key")
    assert header["required"] is False and header["schema"]["type"] == "string" and "anyOf" not in header["schema"]
