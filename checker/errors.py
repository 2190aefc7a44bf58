"""Errors that end a run with exit 2 and one line on stderr."""


class UsageError(Exception):
    """A bad option, config or policy pack; str() is the whole message."""
