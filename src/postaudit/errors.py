"""Errors that name the input that caused them."""


class InputError(ValueError):
    """Bad input: the message names the file and the line or field."""
