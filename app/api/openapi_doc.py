"""The OpenAPI document as clients must read it. FastAPI describes an optional header or query parameter as
`anyOf: [<type>, null]`, but a header has no null: clients (and schemathesis) would send the text "null". An optional
parameter is already expressed by `required: false`, so the null branch is dropped here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(branches):
        return schema
    return {**{k: v for k, v in schema.items() if k not in ("anyOf", "default")}, **kept[0]}


def build_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with nullable header/query/path parameters narrowed to their real type."""
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for methods in document.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("header", "query", "path") and "schema" in parameter:
                    parameter["schema"] = _without_null(parameter["schema"])
    return document


def install(app: FastAPI) -> None:
    """Serve build_document (computed once) at /openapi.json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
