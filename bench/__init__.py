"""Benchmarks: server time and SQL queries per page, measured in process (see bench.run)."""
