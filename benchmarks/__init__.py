"""Benchmarks: ``python -m benchmarks [NAME...]`` (``make bench``). Figures go to docs/performance.md."""
