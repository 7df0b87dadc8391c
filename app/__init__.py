"""votelab: vote pipeline for the team-dinner frequency vote (API, Kafka consumer, tracker, tools)."""

from app._version import __version__

__all__ = ["__version__"]
