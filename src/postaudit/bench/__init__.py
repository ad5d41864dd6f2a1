"""Benchmarks that score postaudit against SIMULATED ground truth (they may import claims; metrics never import them)."""
