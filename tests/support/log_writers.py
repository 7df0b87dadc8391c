"""A process that logs the way the API and the consumer do, all at once: run as `python -m tests.support.log_writers`
by tests/unit/test_logs_are_json_lines.py, which reads its stderr.

After configure_logging, THREADS threads start together and each writes PER_THREAD structlog records, PER_THREAD
kafka.conn warnings (plus kafka.conn info records, below the kafka logger's level) and PER_THREAD uvicorn.error
records, every TRACEBACK_EVERY-th with an exception traceback. Then one warnings.warn, an uncaught exception in a
thread, and an uncaught exception in the main thread (exit status 1).
"""

from __future__ import annotations

import logging
import logging.config
import threading
import warnings

import uvicorn.config

from app.core.logs import configure_logging, get_logger

THREADS = 8
PER_THREAD = 300
TRACEBACK_EVERY = 10
PAD = "p" * 300  # long records make a torn or joined line likelier


def _fail_for_traceback(seq: int) -> None:
    """A frame the traceback of a uvicorn.error record must show."""
    raise RuntimeError(f"uvicorn_traceback_marker {seq}")


def _write(thread: int, start: threading.Barrier) -> None:
    """One thread's share of the records, interleaving the three kinds of writer."""
    log = get_logger("votelab.logtest")
    kafka = logging.getLogger("kafka.conn")
    server = logging.getLogger("uvicorn.error")
    start.wait()
    for seq in range(PER_THREAD):
        log.info("structlog_record", thread=thread, seq=seq, pad=PAD)
        kafka.warning("kafka_record thread=%d seq=%d %s", thread, seq, PAD)
        kafka.info("kafka_info_hidden thread=%d seq=%d", thread, seq)
        if seq % TRACEBACK_EVERY == 0:
            try:
                _fail_for_traceback(seq)
            except RuntimeError:
                server.error("uvicorn_record thread=%d seq=%d", thread, seq, exc_info=True)
        else:
            server.info("uvicorn_record thread=%d seq=%d", thread, seq)


def _crash() -> None:
    raise RuntimeError("thread_boom_marker")


def main() -> None:
    """Write everything, then die of an uncaught exception."""
    # uvicorn's own logging config (plain-text handlers, propagate off), as a process that once applied it has
    logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
    configure_logging("INFO")
    start = threading.Barrier(THREADS)
    writers = [threading.Thread(target=_write, args=(k, start), name=f"writer-{k}") for k in range(THREADS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    warnings.warn("warning_marker", UserWarning, stacklevel=1)
    crasher = threading.Thread(target=_crash, name="crasher")
    crasher.start()
    crasher.join()
    raise ValueError("main_boom_marker")


if __name__ == "__main__":
    main()
