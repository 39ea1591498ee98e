"""FROZEN COPY of gdstudy/store.py at schema v2 (git show 084732b~1:gdstudy/store.py), for the migration tests and the before/after benchmark. Do not edit.

Original docstring: The review store: SQLite in the data dir (WAL, busy timeout, one transaction per grade).

Tables: `meta` (app marker, schema version), `cards` (FSRS state per card id — a card with no row
is new), `review_log` (append-only: card id, rating, UTC time, duration, state before/after).
A database from a newer schema, or a file that is not a gdstudy database, is refused and never
touched. The YAML deck is never written to.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from gdstudy.errors import StoreError
from gdstudy.timeutil import iso, parse_iso

__all__ = ["Store", "CardState", "LogEntry", "SCHEMA_VERSION", "DB_NAME"]

DB_NAME = "gdstudy.db"
SCHEMA_VERSION = 2
APP_MARKER = "gdstudy"


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run DDL statements inside the caller's transaction (executescript would COMMIT first)."""
    for stmt in sql.split(";"):
        lines = [ln.split("--")[0] for ln in stmt.splitlines()]
        if "".join(lines).strip():
            db.execute("\n".join(lines))


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE cards (
            card_id      TEXT PRIMARY KEY,
            state        INTEGER NOT NULL,          -- fsrs.State: 1 learning, 2 review, 3 relearning
            step         INTEGER,
            stability    REAL,
            difficulty   REAL,
            due          TEXT NOT NULL,             -- ISO-8601 UTC
            last_review  TEXT,
            reps         INTEGER NOT NULL DEFAULT 0,
            lapses       INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL,
            suspended    INTEGER NOT NULL DEFAULT 0,
            buried_until TEXT
        );
        CREATE INDEX cards_due ON cards(due);
        CREATE TABLE review_log (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            card_id      TEXT NOT NULL,
            rating       INTEGER NOT NULL,          -- 1 Again, 2 Hard, 3 Good, 4 Easy
            reviewed_at  TEXT NOT NULL,             -- ISO-8601 UTC
            duration_ms  INTEGER,
            kind         TEXT NOT NULL DEFAULT 'review',
            state_before TEXT,                      -- JSON of the cards row, NULL when the card was new
            state_after  TEXT NOT NULL
        );
        CREATE INDEX review_log_card ON review_log(card_id);
        CREATE INDEX review_log_time ON review_log(reviewed_at);
        """
    )


def _v2(db: sqlite3.Connection) -> None:
    """Leech flag; saved mock-interview summaries. (state 0 = new card that only carries flags.)"""
    _script(
        db,
        """
        ALTER TABLE cards ADD COLUMN leech INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE interview_sessions (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            ended_at   TEXT NOT NULL,
            summary    TEXT NOT NULL                 -- JSON
        )
        """,
    )


# MIGRATIONS[n] takes schema n to n + 1; MIGRATIONS[0] creates the schema.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2]


@dataclass(frozen=True)
class CardState:
    """One `cards` row: the FSRS state of a card. `state` is fsrs.State (1 learning, 2 review,
    3 relearning), or 0 for a never-reviewed card that has a row only to carry a flag (suspended,
    buried). A card with no row at all is new too."""

    card_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0
    content_hash: str = ""
    suspended: bool = False
    buried_until: datetime | None = None
    leech: bool = False

    @property
    def is_new(self) -> bool:
        return self.state == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id, "state": self.state, "step": self.step,
            "stability": self.stability, "difficulty": self.difficulty,
            "due": iso(self.due), "last_review": iso(self.last_review) if self.last_review else None,
            "reps": self.reps, "lapses": self.lapses, "content_hash": self.content_hash,
            "suspended": int(self.suspended),
            "buried_until": iso(self.buried_until) if self.buried_until else None,
            "leech": int(self.leech),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CardState":
        return cls(
            card_id=d["card_id"], state=int(d["state"]), step=d["step"],
            stability=d["stability"], difficulty=d["difficulty"],
            due=parse_iso(d["due"]),
            last_review=parse_iso(d["last_review"]) if d["last_review"] else None,
            reps=int(d["reps"]), lapses=int(d["lapses"]), content_hash=d["content_hash"],
            suspended=bool(d["suspended"]),
            buried_until=parse_iso(d["buried_until"]) if d["buried_until"] else None,
            leech=bool(d.get("leech", 0)),
        )


@dataclass(frozen=True)
class LogEntry:
    id: int
    card_id: str
    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    kind: str
    state_before: CardState | None
    state_after: CardState | None  # None only for a cram review of a new card


_COLS = tuple(CardState.__dataclass_fields__)


class Store:
    """A connection to the review database. Use as a context manager or call `close()`."""

    def __init__(self, path: Path, *, timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        _refuse_foreign_file(self.path)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open database {self.path}: {e}") from None
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            self._check_identity()  # read-only: a foreign database is refused before any write
            self._enable_wal(timeout_s)
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise StoreError(f"{self.path} is not a usable gdstudy database: {e}") from None
        except BaseException:  # e.g. the StoreError of a refused database: don't leave it open
            self.db.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

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
        return _Tx(self.db)

    def _check_identity(self) -> None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            if tables - {"sqlite_sequence"}:
                raise StoreError(f"{self.path} is not a gdstudy database (it has other tables); refusing to touch it")
            return
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("app") != APP_MARKER:
            raise StoreError(f"{self.path} is not a gdstudy database; refusing to touch it")
        version = int(meta.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer gdstudy (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade gdstudy — the database was not changed"
            )

    def _migrate(self) -> None:
        if self._up_to_date():  # the usual case: no write lock needed just to open the store
            return
        with self._tx():
            self._check_identity()  # again, inside the write lock (another process may have migrated)
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self.db.execute("INSERT INTO meta VALUES ('app', ?), ('schema_version', '0')", (APP_MARKER,))
            version = int(self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
            if version == SCHEMA_VERSION:
                return
            for step in MIGRATIONS[version:]:
                step(self.db)
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    def _up_to_date(self) -> bool:
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
            return False
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return row is not None and row[0] == str(SCHEMA_VERSION)

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])

    # -- reads ---------------------------------------------------------------------------------

    def states(self) -> dict[str, CardState]:
        return {r["card_id"]: _state(r) for r in self.db.execute(f"SELECT {', '.join(_COLS)} FROM cards")}

    def state(self, card_id: str) -> CardState | None:
        r = self.db.execute(f"SELECT {', '.join(_COLS)} FROM cards WHERE card_id = ?", (card_id,)).fetchone()
        return _state(r) if r else None

    def log(self, card_id: str | None = None, since: datetime | None = None) -> Iterator[LogEntry]:
        sql, args = "SELECT * FROM review_log WHERE 1=1", []
        if card_id is not None:
            sql, args = sql + " AND card_id = ?", args + [card_id]
        if since is not None:
            sql, args = sql + " AND reviewed_at >= ?", args + [iso(since)]
        for r in self.db.execute(sql + " ORDER BY id", args):
            yield _entry(r)

    def count_log(self, since: datetime | None = None, kind: str = "review") -> dict[str, int]:
        """Reviews logged since `since`, counted by the state the card was in before: new/learning/review."""
        rows = self.db.execute(
            "SELECT state_before FROM review_log WHERE kind = ? AND reviewed_at >= ?",
            (kind, iso(since) if since else ""),
        )
        out = {"new": 0, "learning": 0, "review": 0}
        for (before,) in rows:
            st = json.loads(before)["state"] if before else 0
            out["new" if st == 0 else "review" if st == 2 else "learning"] += 1
        return out

    def review_hours(self) -> list[datetime]:
        """Every distinct UTC hour with a logged review or cram (for study-day streaks)."""
        rows = self.db.execute("SELECT DISTINCT substr(reviewed_at, 1, 13) FROM review_log")
        return [parse_iso(r[0] + ":00:00+00:00") for r in rows]

    def last_log_id(self) -> int | None:
        row = self.db.execute("SELECT MAX(id) FROM review_log").fetchone()
        return row[0] if row else None

    def logged_card_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT card_id FROM review_log")}

    # -- writes (each one transaction) ---------------------------------------------------------

    def record_review(
        self, before: CardState | None, after: CardState, rating: int, reviewed_at: datetime,
        duration_ms: int | None, kind: str = "review",
    ) -> int:
        """Write the new state and its log row atomically; returns the log row id."""
        with self._tx():
            self._put(after)
            cur = self.db.execute(
                "INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms, kind, state_before, state_after)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (after.card_id, rating, iso(reviewed_at), duration_ms, kind,
                 json.dumps(before.to_dict()) if before else None, json.dumps(after.to_dict())),
            )
            return int(cur.lastrowid)

    def record_cram(self, card_id: str, state: CardState | None, rating: int, reviewed_at: datetime,
                    duration_ms: int | None) -> int:
        """Log a cram review: scheduling state is not touched (before == after)."""
        snap = json.dumps(state.to_dict()) if state else None
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO review_log (card_id, rating, reviewed_at, duration_ms, kind, state_before, state_after)"
                " VALUES (?, ?, ?, ?, 'cram', ?, ?)",
                (card_id, rating, iso(reviewed_at), duration_ms, snap, snap or "null"),
            )
            return int(cur.lastrowid)

    def undo(self, log_id: int) -> LogEntry:
        """Remove log row `log_id` and restore the card's state before it (it must be the card's latest)."""
        with self._tx():
            r = self.db.execute("SELECT * FROM review_log WHERE id = ?", (log_id,)).fetchone()
            if r is None:
                raise StoreError(f"nothing to undo: review {log_id} is not in the log")
            entry = _entry(r)
            latest = self.db.execute("SELECT MAX(id) FROM review_log WHERE card_id = ?", (entry.card_id,)).fetchone()[0]
            if latest != log_id:
                raise StoreError(f"cannot undo: card '{entry.card_id}' was reviewed again after that grade")
            if entry.kind == "cram":
                pass  # a cram review never changed the card's state
            elif entry.state_before is None:
                self.db.execute("DELETE FROM cards WHERE card_id = ?", (entry.card_id,))
            else:
                self._put(entry.state_before)
            self.db.execute("DELETE FROM review_log WHERE id = ?", (log_id,))
            return entry

    def delete_state(self, card_id: str) -> None:
        with self._tx():
            self.db.execute("DELETE FROM cards WHERE card_id = ?", (card_id,))

    def put_state(self, state: CardState) -> None:
        with self._tx():
            self._put(state)

    def _put(self, s: CardState) -> None:
        d = s.to_dict()
        self.db.execute(
            f"INSERT OR REPLACE INTO cards ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",
            tuple(d[c] for c in _COLS),
        )

    def save_interview(self, started_at: datetime, ended_at: datetime, summary: dict[str, Any]) -> int:
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO interview_sessions (started_at, ended_at, summary) VALUES (?, ?, ?)",
                (iso(started_at), iso(ended_at), json.dumps(summary)),
            )
            return int(cur.lastrowid)

    def interviews(self) -> list[tuple[int, datetime, datetime, dict[str, Any]]]:
        rows = self.db.execute("SELECT id, started_at, ended_at, summary FROM interview_sessions ORDER BY id")
        return [(r[0], parse_iso(r[1]), parse_iso(r[2]), json.loads(r[3])) for r in rows]

    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): writers queue on the busy timeout."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _state(r: sqlite3.Row) -> CardState:
    return CardState.from_dict(dict(r))


def _entry(r: sqlite3.Row) -> LogEntry:
    return LogEntry(
        id=r["id"], card_id=r["card_id"], rating=r["rating"], reviewed_at=parse_iso(r["reviewed_at"]),
        duration_ms=r["duration_ms"], kind=r["kind"],
        state_before=_opt_state(r["state_before"]),
        state_after=_opt_state(r["state_after"]),
    )


def _opt_state(text: str | None) -> CardState | None:
    d = json.loads(text) if text else None
    return CardState.from_dict(d) if d else None


def _refuse_foreign_file(path: Path) -> None:
    """Refuse to open (and so possibly rewrite) a non-empty file that is not SQLite at all."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"cannot read database {path}: {e.strerror or e}") from None
    if head and head != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not a gdstudy database (not SQLite); refusing to touch it")
