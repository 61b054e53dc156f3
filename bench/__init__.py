"""Benchmarks: `make bench` runs ``python -m bench`` (see bench/__main__.py and the README,
"Performance"). Nothing here is imported by the service or run by `make test`."""
