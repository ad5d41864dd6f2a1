"""Fakes of outside services and exports, for tests."""
