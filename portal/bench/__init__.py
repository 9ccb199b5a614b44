"""Benchmarks of the portal (not tests): `python -m portal.bench --help`."""
