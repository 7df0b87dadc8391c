"""The app's systemd units on the lab are sandboxed: `systemd-analyze security` exposure 3.0 or lower for each, and
each service runs as its own unprivileged account."""

from __future__ import annotations

import json
import re
from pathlib import Path

from labcheck import LabChecks

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "e2e" / "exposure.json"
EXPOSURE = re.compile(r"Overall exposure level for \S+: ([0-9.]+)")
# duty group -> (unit, account it must run as)
APP_UNITS = {
    "api": ("votelab-api.service", "votelab"),
    "consumer": ("votelab-consumer.service", "votelab"),
    "frontend": ("votelab-frontend.service", "votelab-web"),
}


def test_app_units_are_sandboxed_and_unprivileged(healthy_lab: LabChecks) -> None:
    inv = healthy_lab.inventory
    scores: dict[str, float] = {}
    for group, (unit, account) in APP_UNITS.items():
        for name in inv.groups[group]:
            host = inv.hosts[name]
            out = host.run("systemd-analyze", "security", unit, "--no-pager", check=False)
            match = EXPOSURE.search(out.stdout)
            assert match, f"{name}:{unit}: no exposure in {out.stdout[-300:]!r}"
            scores[f"{name}:{unit}"] = float(match.group(1))
            pid = host.systemctl("show", "-p", "MainPID", "--value", unit).stdout.strip()
            user = host.run("ps", "-o", "user=", "-p", pid).stdout.strip()
            assert user == account, f"{name}:{unit} runs as {user!r}, expected {account!r}"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(scores, indent=2, sort_keys=True))
    print(json.dumps(scores))
    assert all(score <= 3.0 for score in scores.values()), scores
