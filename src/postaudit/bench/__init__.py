"""Benchmarks that score parts of postaudit against labelled real press or SIMULATED ground truth (they may
import claims; metrics never import them)."""
