"""`python -m app.tools.reprocess [--id N ...] [--set field=value ...]`: replay dead-lettered messages.

Prints what was republished and what is still invalid (exit 2 when any is); see app.core.dead_letters.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.core.dead_letters import reprocess
from app.core.logs import configure_logging
from app.core.settings import load_settings


def _parse_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--set expects field=value, got {pair!r}")
        overrides[name] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m app.tools.reprocess [--id N ...] [--set field=value ...]`."""
    parser = argparse.ArgumentParser(prog="votelab-reprocess", description="Replay dead-lettered messages.")
    parser.add_argument("--id", type=int, action="append", dest="ids", help="only this dead letter (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="fix a payload field")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level)
    report = reprocess(settings, args.ids, _parse_overrides(args.set))
    print(json.dumps(report.to_dict(), indent=2))
    return 0 if not report.still_invalid else 2


if __name__ == "__main__":
    sys.exit(main())
