"""Store faults as one line: SQLite errors -> StoreFaultError (`fault`, `reading`), and the checks
made before a file is trusted as a gdstudy database (a folder, an unreadable file, a schema
version that is not a number)."""

from __future__ import annotations

import functools
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from gdstudy.errors import StoreError, StoreFaultError

if TYPE_CHECKING:
    from gdstudy.store.core import StoreBase

__all__ = ["fault", "reading", "schema_number", "refuse_foreign_file", "not_sqlite", "short"]

F = TypeVar("F", bound=Callable[..., Any])


def fault(e: sqlite3.Error, path: Path, timeout_s: float) -> StoreFaultError:
    name = getattr(e, "sqlite_errorname", "") or ""
    text = str(e)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return StoreFaultError("locked", f"locked: another program holds the database lock (waited {timeout_s:g} s); "
                               "close it or try again")
    if name == "SQLITE_FULL" or "full" in text:
        return StoreFaultError("disk full", f"disk full: no room left for the database ({path.parent}); free some space and try again")
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return StoreFaultError("read-only", f"read-only: the database {path} cannot be written; make it writable and try again")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return StoreFaultError("damaged", f"damaged: the database {path} is damaged ({text}); restore a backup")
    return StoreFaultError("i/o", f"i/o: database error on {path}: {text}")


def reading(fn: F) -> F:
    """A read: SQLite errors (a damaged file, an I/O error) become one StoreFaultError line."""

    @functools.wraps(fn)
    def wrapper(self: "StoreBase", *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise self.fault(e) from None

    return wrapper  # type: ignore[return-value]


def schema_number(value: object, path: Path) -> int:
    """`meta.schema_version` as a number: missing or not a whole number is a damaged store."""
    if value is None:
        raise StoreError(f"{path}: meta.schema_version is missing (damaged or hand-edited database); "
                         "restore a backup — the database was not changed")
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise StoreError(f"{path}: meta.schema_version is {short(value)}, not a schema number (damaged or hand-edited "
                         "database); restore a backup — the database was not changed")
    return int(text)


def short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def refuse_foreign_file(path: Path) -> None:
    """A folder is refused here; a file that is not SQLite at all is refused by SQLite itself
    (SQLITE_NOTADB on the first read, before anything is written), see `not_sqlite`.

    (The file is deliberately not opened with a plain `open()`: closing any descriptor of a file
    drops every POSIX lock this process holds on it, including those of another Store open on the
    same database, and another process may then checkpoint and delete the WAL index under it.)"""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    if path.exists() and not os.access(path, os.R_OK):
        raise StoreError(f"cannot read database {path}: permission denied")


def not_sqlite(e: sqlite3.DatabaseError) -> bool:
    return getattr(e, "sqlite_errorname", "") == "SQLITE_NOTADB" or "not a database" in str(e)
