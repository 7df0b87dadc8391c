"""Run the API with uvicorn: on the systemd socket (fd 3) when socket-activated, else on VOTELAB_API_HOST:PORT."""

from __future__ import annotations

import os
import sys

import uvicorn

from app.api.main import create_app
from app.core.logs import configure_logging
from app.core.settings import load_settings

SD_LISTEN_FDS_START = 3


def activation_fd() -> int | None:
    """fd 3 when systemd passed us a listening socket (LISTEN_PID is this process, LISTEN_FDS >= 1)."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return None
    try:
        count = int(os.environ.get("LISTEN_FDS", "0"))
    except ValueError:
        return None
    return SD_LISTEN_FDS_START if count >= 1 else None


def main() -> int:
    """Serve until SIGTERM/SIGINT (uvicorn finishes in-flight requests, then exits 0)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    fd = activation_fd()
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(name, None)  # not inherited by anything we might spawn
    # proxy_headers off: uvicorn would otherwise rewrite the client address from X-Forwarded-For for loopback peers;
    # the rate limiter decides itself which proxies it trusts (VOTELAB_TRUSTED_PROXIES)
    common = {
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        "server_header": False,
        "proxy_headers": False,
    }
    app = create_app(settings)
    if fd is not None:
        uvicorn.run(app, fd=fd, **common)  # type: ignore[arg-type]
    else:
        uvicorn.run(app, host=settings.api_host, port=settings.api_port, **common)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
