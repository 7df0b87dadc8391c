"""`python -m bench.report`: the README's bench block is written from bench/results.json, a typed edit of it fails
`--check` (the lint stage), and results the report cannot describe stop it with a message saying what to do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import report
from bench.figures import FIGURES, KEYS

ROOT = Path(__file__).resolve().parents[2]
RESULTS = {key: 100.0 + i for i, key in enumerate(KEYS)}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.report", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def files(tmp_path: Path, results: object = RESULTS) -> tuple[Path, Path]:
    results_file = tmp_path / "results.json"
    results_file.write_text(json.dumps(results))
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n\n{report.BEGIN}\nold figures\n{report.END}\n\nafter\n")
    return results_file, readme


def test_write_fills_the_block_and_check_then_passes(tmp_path: Path) -> None:
    results_file, readme = files(tmp_path)
    assert run("--results", results_file, "--readme", readme).returncode == 0
    text = readme.read_text()
    assert text.startswith("# x\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert "old figures" not in text
    for figure in FIGURES:
        assert f"`{figure.key}`" in text
    checked = run("--check", "--results", results_file, "--readme", readme)
    assert checked.returncode == 0, checked.stderr


def test_a_typed_figure_fails_the_check(tmp_path: Path) -> None:
    results_file, readme = files(tmp_path)
    run("--results", results_file, "--readme", readme)
    readme.write_text(readme.read_text().replace("| 100/s |", "| 2,900/s |"))
    checked = run("--check", "--results", results_file, "--readme", readme)
    assert checked.returncode == 1
    assert "bench block differs from" in checked.stderr
    assert "run `make bench-report`" in checked.stderr
    assert "-| votes accepted" in checked.stderr  # the diff shows the typed row


def test_targets_are_judged_from_the_results() -> None:
    results = dict(RESULTS, api_accepted_votes_per_s=40.0, api_noop_requests_per_s=100.0, e2e_latency_ms_p99=100.0)
    block = report.render(results)
    assert "≥ 50% of `api_noop_requests_per_s`: **missed** (40%)" in block
    assert "≤ 250 ms: met" in block


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ({k: v for k, v in RESULTS.items() if k != "broker_drain_per_s"}, "lacks broker_drain_per_s: run `make bench`"),
        (dict(RESULTS, new_figure_per_s=1.0), "new_figure_per_s, which bench/figures.py does not describe"),
        (dict(RESULTS, results_reads_per_s="fast"), "results_reads_per_s not a number"),
    ],
)
def test_results_it_cannot_describe_stop_it(tmp_path: Path, results: dict[str, object], message: str) -> None:
    results_file, readme = files(tmp_path, results)
    before = readme.read_text()
    done = run("--results", results_file, "--readme", readme)
    assert done.returncode == 2
    assert message in done.stderr
    assert readme.read_text() == before


def test_a_readme_without_the_block_stops_it(tmp_path: Path) -> None:
    results_file, readme = files(tmp_path)
    readme.write_text("# x\n")
    done = run("--check", "--results", results_file, "--readme", readme)
    assert done.returncode == 2
    assert f"needs exactly one {report.BEGIN}" in done.stderr


def test_the_project_readme_shows_the_committed_results() -> None:
    checked = run("--check")
    assert checked.returncode == 0, checked.stderr
