"""The review store: SQLite in the data dir (WAL, busy timeout, one transaction per write).

Tables (schema v3, see schema.py): `meta` (app marker, schema version, identity stamp), `cards`
(FSRS state per card id — a card with no row is new), `card_keys` (slug <-> integer key),
`review_log` (append-only, typed columns: card key, Unix-ms time, rating, duration, kind, the
card's state before), `review_extra`, `interview_sessions`, `params` (saved FSRS parameters).
A database from a newer schema, or a file that is not a gdstudy database, is refused and never
touched; v1/v2 databases are migrated in one transaction. The YAML deck is never written to.

    from gdstudy.store import Store, CardState, LogEntry, ReviewRow, ParamsRow
"""

from __future__ import annotations

from pathlib import Path

from gdstudy.store.core import APP_MARKER, DB_NAME
from gdstudy.store.history import HistoryMixin
from gdstudy.store.model import (
    KINDS, CardState, ImportResult, LogEntry, ParamsRow, ReviewRow, from_ms, ms_floor, to_ms,
)
from gdstudy.store.reviews import ANY
from gdstudy.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "Store", "CardState", "LogEntry", "ReviewRow", "ParamsRow", "ImportResult",
    "SCHEMA_VERSION", "DB_NAME", "APP_MARKER", "MIGRATIONS", "KINDS", "ANY", "to_ms", "from_ms", "ms_floor",
]


class Store(HistoryMixin):
    """A connection to the review database. Use as a context manager or call `close()`."""

    def __init__(self, path: Path, *, timeout_s: float = 10.0) -> None:
        super().__init__(path, timeout_s=timeout_s)

    def __enter__(self) -> "Store":
        return self
