"""schemathesis against the API's own OpenAPI document: generated (valid and invalid) requests to every operation
must get no 5xx and answers that conform to the document (status codes, content types, bodies, headers).

Target: the security stack's API, or VOTELAB_TARGET_API_URL (loopback or a lab address routed through the lab
bridge; VOTELAB_TARGET_ADMIN_TOKEN to exercise the admin endpoints beyond 401/403). VOTELAB_SCHEMATHESIS_EXAMPLES
bounds the cases per operation. The mutating admin operations (repair, reprocess) are left out: on a shared target
they would rewrite counters or replay dead letters. Cases run are written to test-artifacts/security/schemathesis.json.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app.api.main import create_app
from app.core.settings import Settings
from tests.security.conftest import assert_local_target

MAX_EXAMPLES = int(os.environ.get("VOTELAB_SCHEMATHESIS_EXAMPLES", "60"))
MUTATING = ["/admin/reprocess", "/admin/consistency/repair"]


@pytest.fixture(scope="session")
def target_api(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(base URL, admin token or None) of the API under test."""
    url = os.environ.get("VOTELAB_TARGET_API_URL")
    if url:
        assert_local_target(url)
        return url.rstrip("/"), os.environ.get("VOTELAB_TARGET_ADMIN_TOKEN") or None
    stack = request.getfixturevalue("stack")
    return stack.api_url, stack.admin_token


@pytest.fixture(scope="session")
def api_schema(target_api: tuple[str, str | None]) -> schemathesis.schemas.BaseSchema:
    """The target's /openapi.json, without the mutating admin operations."""
    return schemathesis.openapi.from_url(target_api[0] + "/openapi.json").exclude(path=MUTATING)


@pytest.fixture(scope="session")
def cases_run(artifacts: Path, target_api: tuple[str, str | None]) -> Iterator[Counter[str]]:
    """Cases per operation; written to the artifact file at the end of the session."""
    counts: Counter[str] = Counter()
    yield counts
    figures = {"target": target_api[0], "max_examples": MAX_EXAMPLES, "cases": sum(counts.values()), **counts}
    (artifacts / "schemathesis.json").write_text(json.dumps(figures, indent=2) + "\n")


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) of every documented operation, from the app's own document (no server needed to
    collect); invalid input only where the operation takes any (parameters or a body)."""
    document = create_app(Settings()).openapi()
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if path in MUTATING:
                continue
            found.append((method.upper(), path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                found.append((method.upper(), path, GenerationMode.NEGATIVE))
    return sorted(found)


@pytest.mark.parametrize(("method", "path", "mode"), _operations())
def test_api_conforms_to_its_openapi_document(
    method: str,
    path: str,
    mode: GenerationMode,
    api_schema: schemathesis.schemas.BaseSchema,
    target_api: tuple[str, str | None],
    cases_run: Counter[str],
) -> None:
    operation = api_schema[path][method]
    token = target_api[1]
    headers = {"Authorization": f"Bearer {token}"} if token and path.startswith("/admin") else None

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        cases_run[f"{method} {path} {mode.value}"] += 1
        case.call_and_validate(headers=headers, timeout=15)

    run()
