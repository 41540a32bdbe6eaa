"""Benchmarks: `make bench` (or `python -m bench`). Long runs live here, not in tests."""
