"""Benchmarks of the portal (not tests): `python -m bench.portal --help`."""
