"""One error base class. Every error a user can cause is a GdstudyError: the CLI prints its
one-line message and exits 2."""

from __future__ import annotations

__all__ = ["GdstudyError", "CardError", "ConfigError", "StoreError", "DemoError"]


class GdstudyError(Exception):
    """Base class for user-facing errors; `str(err)` is one line."""


class CardError(GdstudyError):
    """A problem in a card file, located at `path:line`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class ConfigError(GdstudyError):
    """A bad flag, config file value or environment setting."""


class StoreError(GdstudyError):
    """The review database cannot be opened or used safely."""


class DemoError(GdstudyError):
    """A demo name or parameter is wrong, or the chosen backend/device is unavailable."""
