"""Prefect flows: orchestration only; every step calls the postaudit library."""
