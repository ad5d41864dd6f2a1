"""Benchmarks that score parts of postaudit against labelled or simulated ground truth."""
