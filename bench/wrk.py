"""Run wrk against a loopback URL and parse its summary."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

VOTE_SCRIPT = Path(__file__).with_name("vote.lua")


@dataclass
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int

    @property
    def ok_per_s(self) -> float:
        """Successful (2xx) answers per second."""
        return (self.requests - self.non_2xx - self.socket_errors) / self.seconds


def parse(output: str) -> WrkResult:
    """Parse wrk's text summary."""
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    if not total:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    unit = {"s": 1.0, "ms": 0.001, "m": 60.0}[total.group(3)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=float(total.group(2)) * unit,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def run(url: str, seconds: int, connections: int = 32, post_votes: bool = False) -> WrkResult:
    """One bounded wrk run (loopback only), pinned to the last CPU when taskset exists."""
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"benchmarks only target loopback, not {url}")
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    if post_votes:
        argv += ["-s", str(VOTE_SCRIPT)]
    argv.append(url)
    if shutil.which("taskset"):
        cpus = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
        argv = ["taskset", "-c", str(int(cpus) - 1), *argv]
    output = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    return parse(output)
