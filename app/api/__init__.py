"""The HTTP API (runs on VM2): accepts votes, publishes them to Kafka, serves results and admin endpoints."""
