"""Benchmarks: ``make bench`` (all) or ``.venv/bin/python -m bench NAME`` (one).

Each module ``bench/<name>.py`` has ``main() -> None`` that prints its figures (medians and
ratios) and never asserts on time: these machines are shared and noisy.
"""
