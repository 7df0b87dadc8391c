"""The assembled bundle (build/frontend/app) as a host runs it: `node server.js` on a socket handed over by the
service manager (systemd socket activation), so a restart makes clients wait instead of refusing them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from devstack.frontend import FRONTEND_APP_DIR, node_binary
from devstack.process import wait_until

# Runs the command with the inherited socket moved to fd 3 and LISTEN_PID/LISTEN_FDS naming the exec'd process,
# as systemd does for a .socket unit.
ACTIVATE = (
    "import os, sys; fd = int(sys.argv[1]); os.dup2(fd, 3); os.close(fd); "
    "os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS='1'); os.execv(sys.argv[2], sys.argv[2:])"
)


@pytest.fixture
def held_socket() -> Iterator[socket.socket]:
    """A listening loopback socket owned by the test, like the one systemd keeps open across restarts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    yield sock
    sock.close()


def _start_activated(sock: socket.socket) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PORT="1", HOSTNAME="127.0.0.1", NEXT_TELEMETRY_DISABLED="1", VOTELAB_RELEASE="activated")
    return subprocess.Popen(
        [sys.executable, "-c", ACTIVATE, str(sock.fileno()), node_binary(), "server.js"],
        cwd=FRONTEND_APP_DIR,
        env=env,
        pass_fds=(sock.fileno(),),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _healthz(url: str) -> bool:
    try:
        return bool(httpx.get(url, timeout=2).json().get("version") == "activated")
    except (httpx.HTTPError, ValueError):
        return False


def test_bundle_loads_both_preloads_first() -> None:
    head = (FRONTEND_APP_DIR / "server.js").read_text().splitlines()[:2]
    assert head == ["require('./systemd-socket.cjs');", "require('./edge-headers.cjs');"]
    assert (FRONTEND_APP_DIR / "VERSION").read_text().strip()
    assert (FRONTEND_APP_DIR / ".next" / "static").is_dir()


def test_restart_on_an_activated_socket_refuses_no_request(held_socket: socket.socket) -> None:
    url = f"http://127.0.0.1:{held_socket.getsockname()[1]}/healthz"
    first = _start_activated(held_socket)
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: _healthz(url), 30, "front end on the activated socket")
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
        # Nothing serves now, but the socket is still open: this request waits in its backlog...
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(httpx.get, url, timeout=30)
            # ...until the next server takes the same socket over and answers it.
            second = _start_activated(held_socket)
            response = pending.result()
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "version": "activated"}
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
