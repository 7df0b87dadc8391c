"""`python -m devstack up|down|status [--state-dir DIR]`: the local stack for development (make dev)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

from devstack.kafka import kafka_version
from devstack.stack import DEV_PORTS, REPO_ROOT, Stack

DEFAULT_STATE_DIR = REPO_ROOT / ".dev"
FRONTEND_PORT = 3000


def _start_frontend_if_built(stack: Stack) -> str | None:
    """Start the production front end when devstack.frontend exists and a production build exists
    (frontend/.next/standalone or the assembled bundle in build/frontend/app)."""
    if importlib.util.find_spec("devstack.frontend") is None:
        return None
    built = [REPO_ROOT / "frontend" / ".next" / "standalone", REPO_ROOT / "build" / "frontend" / "app"]
    if not any(path.exists() for path in built):
        return None
    frontend = importlib.import_module("devstack.frontend")
    try:
        handle = frontend.start_frontend(stack, port=FRONTEND_PORT)
    except (RuntimeError, OSError) as exc:  # the pipeline is up; say why the front end is not
        print(f"front end not started: {exc}", file=sys.stderr)
        return None
    stack.handles.setdefault("frontend", handle)
    stack.save()
    return f"http://127.0.0.1:{FRONTEND_PORT}"


def main(argv: list[str] | None = None) -> int:
    """Run the chosen action."""
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    parser.add_argument("--no-frontend", action="store_true", help="do not start the front end")
    args = parser.parse_args(argv)
    stack = Stack(args.state_dir, DEV_PORTS)
    if args.action == "up":
        if any(h.alive() for h in stack.handles.values()):
            print(f"a stack already runs from {stack.state_dir}; `make dev-down` first", file=sys.stderr)
            return 1
        stack.handles = {}
        stack.up()
        frontend = None if args.no_frontend else _start_frontend_if_built(stack)
        print("votelab dev stack is up")
        print(f"  API         {stack.api_url}  (docs {stack.api_url}/docs)")
        if frontend:
            print(f"  front end   {frontend}")
        print(f"  PostgreSQL  postgresql://votelab:***@127.0.0.1:{stack.ports.postgres}/votelab")
        print(f"  Redis       redis://default:***@127.0.0.1:{stack.ports.redis}/0")
        zookeeper = f"127.0.0.1:{stack.ports.zookeeper}"
        print(f"  Kafka       {stack.bootstrap_servers}  (Apache Kafka {kafka_version()}, ZooKeeper {zookeeper})")
        print(f"  state, logs {stack.state_dir} (passwords and admin token in stack.json)")
        return 0
    if args.action == "down":
        stack.down(remove=True)
        print("votelab dev stack stopped and removed")
        return 0
    print(json.dumps(stack.status(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
