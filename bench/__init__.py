"""Benchmark scenarios: run one with `python -m bench.<name>`; each prints one JSON object on stdout."""
