"""Fixtures for the browser tests: a real local stack (PostgreSQL, Redis, ZooKeeper, Apache Kafka, API, consumer) on
its own loopback ports, the production front end in front of it, and Debian's Chromium driven by Playwright.

Why own ports: these tests stop and restart the API, and other test stages may run a stack at the same time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from devstack.frontend import frontend_url, start_frontend, stop_frontend
from devstack.stack import REPO_ROOT, Ports, Stack, fresh_stack
from tests.support.chromium import launch_chromium

# Below the ephemeral range (32768-60999) so outgoing connections never take them first.
BROWSER_PORTS = Ports(postgres=25832, redis=26779, zookeeper=22581, broker=29492, api=8400)
FRONTEND_PORT = 3400
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser_stack() -> Iterator[Stack]:
    """The whole pipeline on loopback, removed afterwards."""
    with fresh_stack(Path(f"/tmp/votelab-browser-{os.getpid()}"), BROWSER_PORTS) as stack:
        yield stack


@pytest.fixture(scope="session")
def frontend(browser_stack: Stack) -> Iterator[str]:
    """The production front end (build/frontend/app) forwarding /api/* to the stack's API; yields its base URL."""
    start_frontend(browser_stack, port=FRONTEND_PORT)
    try:
        yield frontend_url(FRONTEND_PORT)
    finally:
        stop_frontend(browser_stack)


@pytest.fixture
def api_running(browser_stack: Stack) -> Iterator[Stack]:
    """The stack with its API up before and after the test (outage tests stop it)."""
    if "api" not in browser_stack.handles or not browser_stack.handles["api"].alive():
        browser_stack.start_api()
    yield browser_stack
    if "api" not in browser_stack.handles or not browser_stack.handles["api"].alive():
        browser_stack.start_api()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """Playwright's driver (its own browser download is not used)."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Headless Chromium from Debian's package."""
    try:
        browser = launch_chromium(playwright_instance)
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, frontend: str) -> Iterator[BrowserContext]:
    """A fresh browser profile (so a fresh anonymous voter), Korean locale."""
    ctx = browser.new_context(base_url=frontend, locale="ko-KR", viewport={"width": 1200, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab in the fresh profile."""
    return context.new_page()


@pytest.fixture
def api(browser_stack: Stack) -> Iterator[httpx.Client]:
    """A direct client of the stack's API, to read results the UI should agree with."""
    with httpx.Client(base_url=browser_stack.api_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (gitignored) for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
