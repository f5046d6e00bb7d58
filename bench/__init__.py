"""Benchmarks: several runs, the median, and a ratio to a baseline measured in the same run."""
