"""`python -m bench.report` (make bench-report): writes bench/results.json into README.md between the bench markers;
`--check` (make lint) fails when the block differs, so the README's figures are the last run's and never typed.

Exit 0 when written or in step, 1 when `--check` finds the block out of date, 2 when a file is missing or malformed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from bench.figures import FIGURES, KEYS, Figure

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
NOTE = "<!-- written by `make bench-report` from bench/results.json; make lint fails when they differ -->"


class ReportError(Exception):
    """Input the report cannot use, with what to do about it."""


def load_results(path: Path) -> dict[str, float]:
    """results.json as written by `python -m bench`: exactly the keys bench/figures.py describes, all numbers."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ReportError(f"{path} does not exist: run `make bench`") from exc
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path} is not JSON ({exc}): run `make bench` again") from exc
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected an object of figures, found {type(data).__name__}")
    missing = [key for key in KEYS if key not in data]
    unknown = [key for key in data if key not in KEYS]
    if missing:
        raise ReportError(f"{path} lacks {', '.join(missing)}: run `make bench`")
    if unknown:
        raise ReportError(f"{path} has {', '.join(unknown)}, which bench/figures.py does not describe: add them there")
    bad = [key for key in KEYS if isinstance(data[key], bool) or not isinstance(data[key], int | float)]
    if bad:
        raise ReportError(f"{path}: {', '.join(bad)} not a number")
    return {key: float(data[key]) for key in KEYS}


def _shown(path: Path) -> str:
    """A path as the user would type it from the project root."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _amount(value: float, unit: str) -> str:
    return f"{value:,.1f}{unit}" if unit.strip() == "ms" else f"{value:,.0f}{unit}"


def _target_cell(figure: Figure, results: dict[str, float]) -> str:
    target = figure.target
    if target is None:
        return "none"
    verdict = "met" if figure.met(results) else "**missed**"
    if target.of is None:
        return f"{target.bound} {target.value:,g}{figure.unit}: {verdict}"
    share = results[figure.key] / results[target.of]
    return f"{target.bound} {target.value:g}% of `{target.of}`: {verdict} ({share:.0%})"


def render(results: dict[str, float]) -> str:
    """The README block, markers included."""
    lines = [
        BEGIN,
        NOTE,
        "",
        "| `make bench` figure | `bench/results.json` key | measured | target |",
        "| --- | --- | ---: | --- |",
    ]
    for figure in FIGURES:
        amount = _amount(results[figure.key], figure.unit)
        lines.append(f"| {figure.label} | `{figure.key}` | {amount} | {_target_cell(figure, results)} |")
    lines += ["", END]
    return "\n".join(lines)


def split_readme(text: str, path: Path) -> tuple[str, str, str]:
    """(before, block, after) around the one bench block; the block includes its markers."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ReportError(f"{path} needs exactly one {BEGIN} ... {END} block (found {text.count(BEGIN)} begin markers)")
    start = text.index(BEGIN)
    stop = text.index(END) + len(END)
    if stop < start:
        raise ReportError(f"{path}: {END} comes before {BEGIN}")
    return text[:start], text[start:stop], text[stop:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when README.md's block differs, write nothing")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    try:
        block = render(load_results(args.results))
        text = args.readme.read_text()
        before, current, after = split_readme(text, args.readme)
    except (ReportError, FileNotFoundError) as exc:
        print(f"bench-report: {exc}", file=sys.stderr)
        return 2
    readme, results = _shown(args.readme), _shown(args.results)
    if current == block:
        print(f"bench report: {readme} shows {results}")
        return 0
    if args.check:
        diff = difflib.unified_diff(
            current.splitlines(), block.splitlines(), f"{readme} (now)", f"from {results}", lineterm=""
        )
        print("\n".join(diff), file=sys.stderr)
        print(
            f"bench-report: {readme}'s bench block differs from {results}: "
            "run `make bench-report` (figures come from `make bench`, never typed)",
            file=sys.stderr,
        )
        return 1
    args.readme.write_text(before + block + after)
    print(f"bench report: wrote {results} into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
