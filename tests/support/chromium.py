"""Debian's Chromium under Playwright, shared by the browser tests (loopback stack) and the lab's end-to-end tests.

Playwright's own browser download does not work on this machine, so tests launch /usr/bin/chromium; the flags keep
it from contacting anything but the page under test.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("VOTELAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Chromium from Debian's package; a clear failure when the package is missing."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: install Debian's chromium package (make bootstrap)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
