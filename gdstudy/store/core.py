"""Opening the review database: identity, migration, transactions and faults.

A database from a newer schema, or a file that is not a gdstudy database, is refused and never
touched. Every write is one `BEGIN IMMEDIATE ... COMMIT`; before it starts, the file on disk must
still be the one that was opened (same device and inode, same identity stamp in `meta`), so a
database deleted or replaced while the TUI runs is noticed before the next write. SQLite errors
become a `StoreFaultError` saying why (locked, disk full, read-only, file gone, i/o, damaged);
a write into a database that a newer gdstudy migrated meanwhile (its schema_version changed) is
refused as "upgraded". A store that is mostly free pages (a migration killed during its VACUUM)
is compacted when it is opened.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
import weakref
from pathlib import Path


from gdstudy.errors import StoreError, StoreFaultError
from gdstudy.store.faults import fault, not_sqlite, reading, refuse_foreign_file, schema_number
from gdstudy.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["StoreBase", "APP_MARKER", "DB_NAME", "reading"]

DB_NAME = "gdstudy.db"
APP_MARKER = "gdstudy"

# An open compacts the store when more than BLOAT_RATIO of its pages, and at least BLOAT_BYTES,
# are free (MAX_PAGE: SQLite's largest page size, so the quick first test never misses).
BLOAT_RATIO = 0.5
BLOAT_BYTES = 8 << 20
MAX_PAGE = 65536

_OPEN: "weakref.WeakSet[StoreBase]" = weakref.WeakSet()  # this process's open stores


class StoreBase:
    """A connection to the review database. Use as a context manager or call `close()`."""

    def __init__(self, path: Path, *, timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._keys: dict[str, int] = {}  # slug -> key, committed ones only
        self._new_keys: dict[str, int] = {}  # keys created in the open transaction
        self._lost: StoreFaultError | None = None  # set when the deleted file could not be written back
        _OPEN.add(self)
        refuse_foreign_file(self.path)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open database {self.path}: {e}") from None
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            self._check_identity()  # read-only: a foreign database is refused before any write
            self._enable_wal(timeout_s)
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()
            self._compact_if_bloated()
            self.store_id = self._read_stamp()
            st = os.stat(self.path)
            self._file_id = (st.st_dev, st.st_ino)
            self._file_sig = (st.st_mtime_ns, st.st_size)
        except sqlite3.DatabaseError as e:
            self.db.close()
            if not_sqlite(e):
                raise StoreError(f"{self.path} is not a gdstudy database (not SQLite, or damaged beyond use); "
                                 "refusing to touch it") from None
            raise StoreError(f"{self.path} is not a usable gdstudy database: {e}") from None
        except BaseException:  # e.g. the StoreError of a refused database: don't leave it open
            self.db.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> "StoreBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        _OPEN.discard(self)

    def _enable_wal(self, timeout_s: float) -> None:
        """Switch to WAL. Changing the journal mode of a fresh database needs an exclusive lock and
        SQLite reports "database is locked" at once instead of using the busy timeout when another
        process is creating the same database, so retry within the timeout."""
        deadline = time.monotonic() + timeout_s
        delay = 0.001
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _tx(self) -> "_Tx":
        return _Tx(self)

    # -- identity and migration ----------------------------------------------------------------

    def _check_identity(self) -> None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if tables - {"sqlite_sequence"}:
                raise StoreError(f"{self.path} is not a gdstudy database (it has other tables); refusing to touch it")
            return
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("app") != APP_MARKER:
            raise StoreError(f"{self.path} is not a gdstudy database; refusing to touch it")
        version = schema_number(meta.get("schema_version"), self.path)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer gdstudy (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade gdstudy — the database was not changed"
            )

    def _migrate(self) -> None:
        if self._up_to_date():  # the usual case: no write lock needed just to open the store
            return
        # Bulk work: a bigger page cache, and freed pages of the old log are not zeroed one by one
        # (Debian builds SQLite with SECURE_DELETE, which made dropping a 750 MB log write 750 MB);
        # the VACUUM after the migration drops those pages from the file anyway.
        cache, secure = (self.db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "secure_delete"))
        self.db.execute("PRAGMA cache_size = -65536")
        self.db.execute("PRAGMA secure_delete = FAST")
        try:
            self._migrate_locked()
        finally:
            self.db.execute(f"PRAGMA cache_size = {int(cache)}")
            self.db.execute(f"PRAGMA secure_delete = {int(secure)}")

    def _migrate_locked(self) -> None:
        had_log = False
        with _Tx(self, check_file=False):
            self._check_identity()  # again, inside the write lock (another process may have migrated)
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self.db.execute("INSERT INTO meta VALUES ('app', ?), ('schema_version', '0')", (APP_MARKER,))
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = schema_number(row[0] if row else None, self.path)
            if version == SCHEMA_VERSION:
                return
            had_log = version > 0 and self.db.execute("SELECT EXISTS (SELECT 1 FROM review_log)").fetchone()[0]
            for step in MIGRATIONS[version:]:
                step(self.db)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (secrets.token_hex(8),))
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        if had_log:
            self._compact()

    def _compact(self) -> None:
        """Give the old log's pages back to the file system after a migration (the v3 log is
        a seventh of the v2 one). Best effort: the migration has committed either way, and
        another process reading the database makes VACUUM fail with SQLITE_BUSY (and a disk
        without room for the copy with SQLITE_FULL), in which case the file keeps its old size."""
        try:
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as e:
            if fault(e, self.path, self.timeout_s).reason not in ("locked", "disk full"):
                raise

    def _compact_if_bloated(self) -> None:
        """A store that is mostly free pages (a `kill -9` during the VACUUM after a migration
        leaves every page of the old log free: ~10x the size, never reused by the compact log)
        is compacted now. Two header reads on every open; VACUUM only past both thresholds."""
        free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        if free * MAX_PAGE < BLOAT_BYTES:  # the usual case: one pragma
            return
        pages, size = (self.db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
        if free * size >= BLOAT_BYTES and free > BLOAT_RATIO * pages:
            secure = self.db.execute("PRAGMA secure_delete").fetchone()[0]
            self.db.execute("PRAGMA secure_delete = FAST")  # VACUUM copies live pages only anyway
            try:
                self._compact()
            except sqlite3.OperationalError as e:  # (best effort, as after a migration)
                if fault(e, self.path, self.timeout_s).reason != "read-only":
                    raise
            finally:
                self.db.execute(f"PRAGMA secure_delete = {int(secure)}")

    def _up_to_date(self) -> bool:
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
            return False
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return row is not None and row[0] == str(SCHEMA_VERSION)

    def _read_stamp(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key='store_id'").fetchone()
        if row is None:
            raise StoreError(f"{self.path} is not a usable gdstudy database: its identity stamp is missing")
        return str(row[0])

    @property
    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return schema_number(row[0] if row else None, self.path)

    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- faults ----------------------------------------------------------------------------------

    def _check_file(self) -> None:
        """The file at `path` must still be the one this connection writes to."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise self._write_back() from None
        except OSError as e:
            raise StoreFaultError("i/o", f"i/o: cannot check the database file {self.path}: {e.strerror or e}") from None
        if (st.st_dev, st.st_ino) != self._file_id:
            raise self._replaced()
        if (st.st_mtime_ns, st.st_size) != self._file_sig:  # written by someone else since: still ours?
            self._verify_stamp()
            self._file_sig = (st.st_mtime_ns, st.st_size)

    def _write_back(self) -> StoreFaultError:
        """The file was deleted under the open connection, which still reads the deleted file:
        write every grade so far back to `path` (VACUUM INTO a new file beside it, then link it
        in place only if nothing else has appeared there), and carry on with that file. Returns
        the error that tells the user (nothing of the current write was applied)."""
        if self._lost is not None:
            return self._lost
        copy = self.path.with_name(f"{self.path.name}.restored-{os.getpid()}")
        gone = f"file gone: the database file {self.path} was deleted while gdstudy was running"
        try:
            copy.unlink(missing_ok=True)
            self.db.execute("VACUUM INTO ?", (str(copy),))
        except (sqlite3.Error, OSError) as e:
            self._lost = StoreFaultError("file gone", f"{gone}, and writing it back failed ({e}); restart gdstudy")
            return self._lost
        self.db.close()
        try:
            self._drop_leftovers()
            os.link(copy, self.path)  # fails if a file has appeared at `path` meanwhile
            os.unlink(copy)
            self._connect()
        except (OSError, sqlite3.Error):
            self._lost = StoreFaultError("file gone", f"{gone}; every grade so far was saved to {copy}: "
                                         f"rename it to {self.path.name} and restart gdstudy")
            return self._lost
        return StoreFaultError("restored", f"restored: the database file {self.path} was deleted while gdstudy was "
                               "running and has been written back with every grade so far")

    def _drop_leftovers(self) -> None:
        """The deleted database's -wal and -shm may still be at `path` (SQLite leaves them when
        the database file itself is gone). They must not meet the written-back file (SQLite would
        replay the old WAL onto it), and they may be removed only if no connection uses them: none
        in this process (other open Stores on this path), none elsewhere (SQLite's connections hold
        a shared lock on the "DMS" byte of the -shm file, offset 128, while they are open)."""
        wal, shm = f"{self.path}-wal", f"{self.path}-shm"
        if not (os.path.exists(wal) or os.path.exists(shm)):
            return
        if any(o is not self and o.path == self.path and o.db is not None for o in list(_OPEN)):
            raise FileExistsError(wal)
        if os.path.exists(shm):
            import fcntl

            fd = os.open(shm, os.O_RDWR)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)  # raises if another process holds it
            finally:
                os.close(fd)
        for leftover in (wal, shm):
            if os.path.exists(leftover):
                os.unlink(leftover)

    def _connect(self) -> None:
        """(Re)connect to the file at `path` after it was written back."""
        self.db = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        self.db.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        if self._read_stamp() != self.store_id:
            raise sqlite3.DatabaseError("identity stamp changed")
        st = os.stat(self.path)
        self._file_id, self._file_sig = (st.st_dev, st.st_ino), (st.st_mtime_ns, st.st_size)

    def _verify_stamp(self) -> None:
        """Read the identity stamp through a fresh connection: this connection's page cache may
        still hold the old contents of a file copied over in place."""
        try:
            con = sqlite3.connect(self.path, timeout=self.timeout_s)  # (reads only)
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            row = None
        if row is None or row[0] != self.store_id:
            raise self._replaced()

    def _replaced(self) -> StoreFaultError:
        return StoreFaultError("file gone", f"file gone: the database file {self.path} was replaced while gdstudy was running "
                               "(restart gdstudy to use the new one)")

    def _upgraded(self, version: object) -> StoreFaultError:
        """Another gdstudy changed the schema while this one was running (a newer one migrated
        the database): this process's writes would no longer match the tables."""
        return StoreFaultError("upgraded", f"upgraded: the database {self.path} was changed to schema {str(version)[:20]} by "
                               f"a newer gdstudy while this one (schema {SCHEMA_VERSION}) was running; nothing was saved "
                               "— quit and use the newer gdstudy")

    def _committed(self) -> None:
        try:
            st = os.stat(self.path)
        except OSError:
            return  # noticed before the next write
        if (st.st_dev, st.st_ino) == self._file_id:
            self._file_sig = (st.st_mtime_ns, st.st_size)

    def fault(self, e: sqlite3.Error) -> StoreFaultError:
        return fault(e, self.path, self.timeout_s)

    def _key(self, card_id: str) -> int:
        """The card's integer key (created on first use; keys are never reused or deleted)."""
        key = self._keys.get(card_id) or self._new_keys.get(card_id)
        if key is None:
            row = self.db.execute("SELECT key FROM card_keys WHERE card_id = ?", (card_id,)).fetchone()
            if row is not None:
                key = self._keys[card_id] = int(row[0])
            else:  # remembered only if the transaction commits (a rollback takes the row away)
                row = self.db.execute("INSERT INTO card_keys (card_id) VALUES (?) RETURNING key", (card_id,)).fetchone()
                key = self._new_keys[card_id] = int(row[0])
        return key

    def _key_if_any(self, card_id: str) -> int | None:
        key = self._keys.get(card_id)
        if key is None:
            row = self.db.execute("SELECT key FROM card_keys WHERE card_id = ?", (card_id,)).fetchone()
            if row is None:
                return None
            key = self._keys[card_id] = int(row[0])
        return key


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): writers queue on the busy timeout."""

    def __init__(self, store: StoreBase, check_file: bool = True) -> None:
        self.store, self.db, self.check_file = store, store.db, check_file

    def __enter__(self) -> None:
        if self.check_file:
            self.store._check_file()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            if self.check_file:
                meta = dict(self.db.execute(
                    "SELECT key, value FROM meta WHERE key IN ('store_id', 'schema_version')").fetchall())
                if meta.get("store_id") != self.store.store_id:
                    raise self.store._replaced()
                if meta.get("schema_version") != str(SCHEMA_VERSION):
                    raise self.store._upgraded(meta.get("schema_version"))
        except sqlite3.Error as e:
            self._rollback()
            raise self.store.fault(e) from None
        except BaseException:
            self._rollback()
            raise

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                raise self.store.fault(e) from None
            self.store._keys.update(self.store._new_keys)
            self.store._new_keys.clear()
            if self.check_file:
                self.store._committed()
            return
        self._rollback()
        if isinstance(exc, sqlite3.Error):
            raise self.store.fault(exc) from None

    def _rollback(self) -> None:
        self.store._new_keys.clear()
        if self.db.in_transaction:  # SQLite may have rolled back already (e.g. after SQLITE_FULL)
            self.db.execute("ROLLBACK")
