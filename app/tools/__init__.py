"""Command-line tools (`python -m app.tools.<name>`): migrate, consistency, reprocess, replay_gap,
catch_up. Each is a thin entry
point over app.core."""
