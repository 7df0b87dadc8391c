"""Run the consumer: `python -m app.consumer` / votelab-consumer."""

from __future__ import annotations

import sys

from app.consumer.worker import ConsumerWorker
from app.core.logs import configure_logging
from app.core.settings import load_settings


def main() -> int:
    """Consume until SIGTERM; exit 0 after committing the last batch and leaving the group."""
    settings = load_settings()
    configure_logging(settings.log_level)
    worker = ConsumerWorker(settings)
    worker.install_signal_handlers()
    return worker.run()


if __name__ == "__main__":
    sys.exit(main())
