"""The exceptions that mean "a dependency (Redis, PostgreSQL, the broker) failed", caught at boundaries."""

from __future__ import annotations

import psycopg2
import redis.exceptions
from kafka.errors import KafkaError

DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.RedisError,
    psycopg2.Error,
    KafkaError,
    OSError,
    TimeoutError,
)
