"""One error base class. Every error a user can cause is a GdstudyError: the CLI prints its
one-line message and exits 2."""

from __future__ import annotations

__all__ = [
    "GdstudyError", "CardError", "ConfigError", "StoreError", "StoreFaultError", "StaleStateError", "DemoError",
]


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


class StoreFaultError(StoreError):
    """A read or write of the review database failed for a reason outside gdstudy. `reason` is one
    of "locked" (another process held the lock past the busy timeout), "disk full", "read-only",
    "file gone" (the file was deleted or replaced while gdstudy ran), "upgraded" (a newer gdstudy
    migrated it while this one ran), "i/o", "damaged". Nothing was
    written; the same action can be retried once the cause is gone."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class StaleStateError(StoreError):
    """A card's stored state is no longer the one a grade (or flag change) was computed from:
    another gdstudy process changed it meanwhile. Nothing was written."""

    def __init__(self, card_id: str, message: str) -> None:
        self.card_id = card_id
        super().__init__(message)


class DemoError(GdstudyError):
    """A demo name or parameter is wrong, or the chosen backend/device is unavailable."""
