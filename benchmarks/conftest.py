"""Benchmarks share the test helpers' import path."""
