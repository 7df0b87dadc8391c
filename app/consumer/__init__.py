"""The Kafka consumer (runs on VM3): stores vote events in PostgreSQL, applies them to Redis counters."""
