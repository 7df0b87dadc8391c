"""PostgreSQL connections (psycopg2): one helper so every caller gets the same timeouts."""

from __future__ import annotations

import psycopg2
import psycopg2.extensions

from app.core.settings import Settings


def connect(settings: Settings, timeout_s: float | None = None) -> psycopg2.extensions.connection:
    """A new connection with a connect timeout and a statement timeout, so an outage fails fast."""
    seconds = max(1, round(timeout_s if timeout_s is not None else settings.dependency_timeout_s * 3))
    return psycopg2.connect(
        settings.database_url.get_secret_value(),
        connect_timeout=seconds,
        options=f"-c statement_timeout={seconds * 10000}",
        application_name="votelab",
    )
