"""Benchmarks scored against SIMULATED ground truth (`postaudit bench ...`)."""
