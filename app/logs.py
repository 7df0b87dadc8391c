"""Structured JSON logs (structlog) for every process; one call configures the process."""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr at the given level; stdlib loggers (uvicorn, kafka) go the same way."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    logging.basicConfig(stream=sys.stderr, level=numeric, format="%(message)s", force=True)
    logging.getLogger("kafka").setLevel(max(numeric, logging.WARNING))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A named logger; name goes into every line. Lazy: a logger made at import time (before configure_logging) would
    otherwise keep structlog's default console format instead of JSON."""
    proxy = structlog._config.BoundLoggerLazyProxy(None, initial_values={"logger": name}, logger_factory_args=())
    logger: structlog.typing.FilteringBoundLogger = proxy  # type: ignore[assignment]
    return logger
