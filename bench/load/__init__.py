"""Load test: a realistic mix against `bondfire serve` at rising concurrency.

`python -m bench.load`; see runner.py.
"""
