"""Metrics computed from event times: pure NumPy functions (definitions: docs/metrics.md)."""
