"""Benchmarks and drills run against real processes (not part of the test suite)."""
