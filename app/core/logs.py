"""Structured JSON logs (structlog) for every process; one call configures the process.

Every line a process writes to stderr is one JSON object: structlog records and the libraries' stdlib records
(kafka-python, uvicorn, asyncio), warnings and uncaught exceptions all go through one stdlib handler, so they share
one renderer and one lock. Two writers with two locks (structlog's PrintLogger and a stdlib handler) used to
interleave on one line; one handler writing each record in one call cannot.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")

if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[TextIO]
else:  # the subscript is for the type checker only; the run-time base stays the plain class
    _StreamHandler = logging.StreamHandler


class JsonLineHandler(_StreamHandler):
    """The process's only handler: the record and its newline in one write under the handler's lock."""

    terminator = "\n"

    def handleError(self, record: logging.LogRecord) -> None:
        """A record that cannot be formatted still becomes one JSON line, not logging's multi-line report."""
        error = sys.exc_info()[1]
        line = json.dumps(
            {
                "event": "log_record_unformattable",
                "level": "error",
                "logger": record.name,
                "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "error": repr(error),
                "msg": repr(record.msg)[:1000],
            }
        )
        with contextlib.suppress(OSError, ValueError):  # stderr gone or closed: nowhere left to report to
            self.stream.write(line + self.terminator)
            self.flush()


def _foreign_record(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """A stdlib record's stack_info (already text) under the key structlog uses; no trailing newline on the message
    (warnings end with one)."""
    stack = event_dict.pop("stack_info", None)
    if stack:
        event_dict["stack"] = stack
    event = event_dict.get("event")
    if isinstance(event, str):
        event_dict["event"] = event.rstrip()
    return event_dict


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook: the main thread's uncaught exception as one JSON record (not Python's multi-line report)."""
    get_logger("votelab.uncaught").critical("uncaught_exception", thread="MainThread", exc_info=(exc_type, exc, tb))


def _log_thread_uncaught(args: threading.ExceptHookArgs) -> None:
    """threading.excepthook: another thread's uncaught exception as one JSON record; SystemExit stays silent, as by
    default."""
    if issubclass(args.exc_type, SystemExit):
        return
    thread = args.thread.name if args.thread is not None else None
    exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
    get_logger("votelab.uncaught").critical("uncaught_exception", thread=thread, exc_info=exc_info)


def _log_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """sys.unraisablehook: an exception Python cannot raise (in __del__, at finalisation) as one JSON record."""
    exc_info = (unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback)
    get_logger("votelab.uncaught").error(
        "unraisable_exception",
        context=unraisable.err_msg or "Exception ignored in",
        object=repr(unraisable.object),
        exc_info=exc_info if unraisable.exc_value is not None else None,
    )


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr at the given level; stdlib loggers (uvicorn, kafka), warnings and uncaught
    exceptions go the same way, through one handler."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _foreign_record],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = JsonLineHandler(sys.stderr)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    logging.getLogger("kafka").setLevel(max(numeric, logging.WARNING))
    for name in UVICORN_LOGGERS:
        # uvicorn's own dictConfig (not used: log_config=None) gives these a plain-text handler and propagate=False
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_uncaught
    sys.unraisablehook = _log_unraisable

    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A named logger; name goes into every line (and names the stdlib logger it writes through). Lazy: a logger
    made at import time (before configure_logging) would otherwise keep structlog's default console format."""
    return cast(structlog.typing.FilteringBoundLogger, structlog.get_logger(name))
