"""The shared core under every tier: settings, logs, the vote vocabulary and event schema, the Redis key schema, the
counters and the message tracker, the topic descriptions, broker clients, database access, and the operations both
the admin API and the command-line tools run (consistency check, dead-letter replay).

It imports nothing from app.api, app.consumer or app.tools; those three never import each other. The lint stage
enforces both (import-linter contracts in pyproject.toml).
"""
