"""ProcessHandle: one background process of the local stack (a started child, or one re-attached from a pid file).

Attributes: `name` (component), `pid`, `log_path` (stdout+stderr of the process), `argv`. Methods: `alive()`,
`stop(timeout)` (SIGTERM, then SIGKILL after timeout; returns the exit code when known), `kill()` (SIGKILL at
once, for crash tests), `send_signal(sig)`, `to_dict()`/`from_dict()` (the pid file form). Processes start in their own
session so `make dev` can return while they keep running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ProcessHandle:
    """A background process: name, pid and log file; the Popen object when this process started it."""

    name: str
    pid: int
    log_path: Path
    argv: list[str] = field(default_factory=list)
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def spawn(
        cls,
        name: str,
        argv: list[str],
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> ProcessHandle:
        """Start argv in a new session with output appended to log_path (optionally as another user)."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                start_new_session=True,
                user=user,
                group=user,
                extra_groups=[] if user else None,
            )
        return cls(name=name, pid=popen.pid, log_path=log_path, argv=argv, popen=popen)

    def alive(self) -> bool:
        """True while the process runs (a zombie of ours counts as gone)."""
        if self.popen is not None:
            return self.popen.poll() is None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not _is_zombie(self.pid)

    def send_signal(self, sig: int) -> None:
        """Send a signal if the process still runs."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int | None:
        """Wait for exit; the exit code when known (None if still running or not our child)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return self.popen.returncode if self.popen is not None else None
            time.sleep(0.05)
        return None

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int | None:
        """Graceful stop (sig, default SIGTERM); SIGKILL if still running after timeout."""
        self.send_signal(sig)
        code = self.wait(timeout)
        if self.alive():
            self.kill()
        return code

    def kill(self) -> None:
        """SIGKILL now (crash simulation) and reap."""
        self.send_signal(signal.SIGKILL)
        self.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        """Last lines of the log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def to_dict(self) -> dict[str, Any]:
        """Pid-file form."""
        return {"name": self.name, "pid": self.pid, "log_path": str(self.log_path), "argv": self.argv}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcessHandle:
        """Re-attach to a process recorded by to_dict()."""
        return cls(name=data["name"], pid=int(data["pid"]), log_path=Path(data["log_path"]), argv=list(data["argv"]))


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate: Any, timeout: float, what: str, handle: ProcessHandle | None = None) -> None:
    """Poll predicate until true; RuntimeError naming `what` (with the log tail) on timeout or early exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if handle is not None and not handle.alive():
            raise RuntimeError(f"{what}: process exited early\n{handle.log_tail()}")
        time.sleep(0.1)
    tail = handle.log_tail() if handle is not None else ""
    raise RuntimeError(f"{what}: not ready after {timeout:.0f}s\n{tail}")
