"""Read a service's JSON-lines log as records. A line that is not one JSON object fails the test with an assertion
naming the file and the line, instead of crashing it with a JSONDecodeError deep in a helper."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def json_records(text: str, source: str | Path, first_lineno: int = 1) -> Iterator[dict[str, Any]]:
    """Each line of text as a dict. A last line without its newline is a record still being written and is left
    for the next read; any other line that is not a JSON object raises AssertionError naming source and line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif lines:
        lines.pop()  # unterminated: the writer is in the middle of it
    for lineno, line in enumerate(lines, start=first_lineno):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise AssertionError(f"{source}:{lineno}: not a JSON record: {line!r}")
        yield record


def log_records(path: Path, offset: int = 0) -> Iterator[dict[str, Any]]:
    """The records of a log file from byte offset on (e.g. its size before the test), numbered as in the file."""
    data = path.read_bytes()
    first_lineno = data.count(b"\n", 0, offset) + 1
    return json_records(data[offset:].decode(errors="replace"), path, first_lineno)
