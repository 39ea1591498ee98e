"""Schema versions and the migrations between them.

v1: `cards` (FSRS state per card id, ISO text times), `review_log` (slug text, ISO time, the state
    before and after as JSON: ~750 bytes a review).
v2: + `cards.leech`, `interview_sessions`.
v3: the compact log (~90 bytes a review, indexes included):
    `card_keys`  key INTEGER <-> slug, once per card (never deleted: the log refers to it);
    `review_log` id, card key, Unix-ms time, rating, duration, kind code, and the card's FSRS state
                 *before* the review in typed columns (see derive.py for what is derived);
    `review_extra` the few fields of a state before that the derivation does not give;
    `params`     saved FSRS parameter sets (the newest is active).

MIGRATIONS[n] takes schema n to n + 1 inside the caller's transaction, so a migration is atomic:
any error (or a crash) leaves the database as it was. A fresh database runs them all.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from gdstudy.errors import StoreError
from gdstudy.timeutil import iso, parse_iso

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "script"]

SCHEMA_VERSION = 3
STRICT = " STRICT" if sqlite3.sqlite_version_info >= (3, 37) else ""


def script(db: sqlite3.Connection, sql: str) -> None:
    """Run DDL statements inside the caller's transaction (executescript would COMMIT first)."""
    for stmt in sql.split(";"):
        lines = [ln.split("--")[0] for ln in stmt.splitlines()]
        if "".join(lines).strip():
            db.execute("\n".join(lines))


def _v1(db: sqlite3.Connection) -> None:
    script(
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
    script(
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


V3_TABLES = f"""
    CREATE TABLE card_keys (
        key     INTEGER PRIMARY KEY,
        card_id TEXT NOT NULL UNIQUE
    ){STRICT};
    CREATE TABLE review_log_v3 (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        card        INTEGER NOT NULL,          -- card_keys.key
        at_ms       INTEGER NOT NULL,          -- Unix milliseconds, UTC
        rating      INTEGER NOT NULL,          -- 1 Again, 2 Hard, 3 Good, 4 Easy
        duration_ms INTEGER,
        kind        INTEGER NOT NULL,          -- 0 review, 1 cram, 2 interview
        state       INTEGER NOT NULL,          -- the card's state before: 0 new, 1 learning, 2 review, 3 relearning
        step        INTEGER,                   -- ... and its step, stability, difficulty, due (NULL when new,
        stability   REAL,                      --     for cram rows, and for imported reviews)
        difficulty  REAL,
        due_ms      INTEGER
    ){STRICT};
    CREATE TABLE review_extra (
        id     INTEGER PRIMARY KEY,            -- review_log.id
        before TEXT NOT NULL                   -- JSON: the fields of the state before that derive.py does not give
    ){STRICT};
    CREATE TABLE params (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms     INTEGER NOT NULL,
        params    TEXT,                        -- JSON list of floats, NULL = FSRS defaults (a reset)
        n_reviews INTEGER NOT NULL,
        scores    TEXT NOT NULL                -- JSON
    ){STRICT}
"""

V3_INDEXES = """
    CREATE INDEX review_log_card ON review_log(card, at_ms);
    CREATE INDEX review_log_time ON review_log(at_ms)
"""


def _v3(db: sqlite3.Connection) -> None:
    """The compact review log: copy every v2 row into typed columns, then swap the tables."""
    script(db, V3_TABLES)
    keys: dict[str, int] = {}
    prev_at: dict[str, tuple[int, str]] = {}  # card -> (ms, ISO) of its latest earlier non-cram review
    batch: list[tuple[Any, ...]] = []
    extra: list[tuple[int, str]] = []
    ins = ("INSERT INTO review_log_v3 (id, card, at_ms, rating, duration_ms, kind, state, step, stability,"
           " difficulty, due_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    rows = db.execute("SELECT id, card_id, rating, reviewed_at, duration_ms, kind, state_before, state_after"
                      " FROM review_log ORDER BY id")
    for rid, cid, rating, at_text, duration, kind, before_j, after_j in rows:
        try:
            row, ex = convert_row(rid, cid, rating, at_text, duration, kind, before_j, after_j, keys, prev_at)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise StoreError(f"cannot migrate review {rid} (card {cid!r}): bad stored value ({e}); "
                             "the database was not changed") from None
        batch.append(row)
        if ex is not None:
            extra.append((rid, ex))
        if len(batch) >= 20_000:
            db.executemany(ins, batch)
            batch.clear()
    db.executemany(ins, batch)
    db.executemany("INSERT INTO card_keys (key, card_id) VALUES (?, ?)", [(k, c) for c, k in keys.items()])
    db.executemany("INSERT INTO review_extra (id, before) VALUES (?, ?)", extra)
    seq = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'review_log'").fetchone()
    script(db, "DROP TABLE review_log; ALTER TABLE review_log_v3 RENAME TO review_log")
    if seq is not None:  # keep ids growing past every id ever used (AUTOINCREMENT)
        db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'review_log'", (seq[0],))
        if db.execute("SELECT changes()").fetchone()[0] == 0:
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('review_log', ?)", (seq[0],))
    script(db, V3_INDEXES)


def _floor_iso(s: str | None) -> str | None:
    """An ISO time at millisecond precision, in iso()'s fixed-width form."""
    if s is None:
        return None
    if len(s) == 32 and s[19] == "." and s.endswith("+00:00"):  # iso()'s own form: cut the digits
        return s[:23] + "000" + s[26:]
    t = parse_iso(s)
    return iso(t.replace(microsecond=t.microsecond - t.microsecond % 1000))


def _iso_ms(s: str) -> int:
    """Unix ms of an ISO time with an offset (a naive time raises TypeError)."""
    return (datetime.fromisoformat(s) - _EPOCH) // _MS


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


def convert_row(
    rid: int, cid: str, rating: int, at_text: str, duration: int | None, kind: str,
    before_j: str | None, after_j: str | None, keys: dict[str, int], prev_at: dict[str, tuple[int, str]],
) -> tuple[tuple[Any, ...], str | None]:
    """One v2 log row -> (v3 row, review_extra JSON or None). The same rules as derive.py, written
    out on the JSON dicts (state, step, stability, difficulty and due are copied, so only the
    derived fields are compared) so that a million rows take seconds, not minutes."""
    key = keys.get(cid)
    if key is None:
        key = keys[cid] = len(keys) + 1
    at_ms = _iso_ms(at_text)
    if kind != "review" and kind != "cram":
        raise ValueError(f"unknown kind {kind!r}")
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"rating {rating!r}")
    before = json.loads(before_j) if before_j else None
    if before is not None and not isinstance(before, dict):
        raise ValueError("state_before is not an object")
    if kind == "cram":  # never changed the state: only its FSRS state is kept (for the counts)
        return (rid, key, at_ms, rating, duration, 1, int(before["state"]) if before else 0,
                None, None, None, None), None
    after = json.loads(after_j) if after_j else None
    if not isinstance(after, dict):
        raise ValueError("state_after is not an object")
    state = int(before["state"]) if before else 0
    lapsed = state == 2 and rating == 1
    if before is None:  # a new card: the derivation must give "no row" (reps 0, no flags)
        actual = {"reps": 0, "lapses": 0, "suspended": 0, "buried_until": None, "leech": 0}
        row = (rid, key, at_ms, rating, duration, 0, 0, None, None, None, None)
    else:
        due = before["due"]
        actual = {
            "card_id": before["card_id"], "reps": before["reps"], "lapses": before["lapses"],
            "content_hash": before["content_hash"], "suspended": int(before["suspended"]),
            "buried_until": _floor_iso(before["buried_until"]), "leech": int(before.get("leech", 0)),
        }
        if state:
            actual["last_review"] = _floor_iso(before["last_review"])
            row = (rid, key, at_ms, rating, duration, 0, state, before["step"], before["stability"],
                   before["difficulty"], _iso_ms(due))
        else:  # a flag-only row (suspended/buried new card): its due is kept
            row = (rid, key, at_ms, rating, duration, 0, 0, None, None, None, _iso_ms(due))
    derived = {
        "card_id": after["card_id"], "reps": int(after["reps"]) - 1, "lapses": int(after["lapses"]) - lapsed,
        "content_hash": after["content_hash"], "suspended": int(after["suspended"]),
        "buried_until": _floor_iso(after["buried_until"]), "leech": int(after.get("leech", 0)),
        "last_review": prev_at[cid][1] if cid in prev_at else None,
    }
    diff = {k: v for k, v in actual.items() if derived[k] != v}
    if cid not in prev_at or at_ms >= prev_at[cid][0]:  # (rows come in id order: a tie goes to the later)
        prev_at[cid] = (at_ms, _floor_iso(at_text))  # type: ignore[assignment]
    return row, (json.dumps(diff) if diff else None)


# MIGRATIONS[n] takes schema n to n + 1; MIGRATIONS[0] creates the schema.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
