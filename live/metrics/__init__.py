"""Metrics computed from event times: pure functions over NumPy arrays (definitions: docs/metrics.md)."""
