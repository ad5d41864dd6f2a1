"""Errors that name the input that caused them (defined in postaudit.errors, for the sources' use here)."""

from postaudit.errors import InputError

__all__ = ["InputError"]
