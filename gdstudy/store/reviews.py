"""Card states and the review log: reads, grades, cram reviews, undo, flags.

Optimistic concurrency: a grade or flag change names the state it was computed from, and commits
only if the stored state is still that one (compared inside the BEGIN IMMEDIATE transaction);
otherwise nothing is written and StaleStateError says so. Two processes grading the same card
therefore never both log a "first review".
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Iterator

from gdstudy.errors import StaleStateError, StoreError
from gdstudy.store.core import StoreBase, reading
from gdstudy.store.derive import UNKNOWN, apply_extras, cols_of, derive, extras
from gdstudy.store.model import CRAM, KIND_CODE, KINDS, CardState, LogEntry, from_ms, to_ms
from gdstudy.timeutil import iso

__all__ = ["ReviewsMixin", "ANY"]

_COLS = tuple(CardState.__dataclass_fields__)
_SELECT_CARD = f"SELECT {', '.join(_COLS)} FROM cards"
_LOG_COLS = "r.id, k.card_id, r.rating, r.at_ms, r.duration_ms, r.kind, r.state"


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()  # "don't check the stored state" for put_state / delete_state


class ReviewsMixin(StoreBase):
    # -- reads ---------------------------------------------------------------------------------

    @reading
    def states(self) -> dict[str, CardState]:
        cur = self.db.execute(_SELECT_CARD)
        return {r[0]: self._card(r) for r in cur}

    @reading
    def state(self, card_id: str) -> CardState | None:
        r = self.db.execute(f"{_SELECT_CARD} WHERE card_id = ?", (card_id,)).fetchone()
        return self._card(r) if r else None

    def _card(self, r: tuple[Any, ...]) -> CardState:
        return CardState.from_stored(dict(zip(_COLS, r)), self.path)

    @reading
    def log(self, card_id: str | None = None, since: datetime | None = None) -> Iterator[LogEntry]:
        """Logged reviews (every kind) in insertion order, optionally of one card / since a time."""
        sql, args = f"SELECT {_LOG_COLS} FROM review_log r JOIN card_keys k ON k.key = r.card WHERE 1=1", []
        if card_id is not None:
            key = self._key_if_any(card_id)
            if key is None:
                return iter(())
            sql, args = sql + " AND r.card = ?", args + [key]
        if since is not None:
            sql, args = sql + " AND r.at_ms >= ?", args + [to_ms(since)]
        rows = self.db.execute(sql + " ORDER BY r.id", args).fetchall()
        return (self._entry(r) for r in rows)

    def _entry(self, r: tuple[Any, ...]) -> LogEntry:
        rid, cid, rating, at_ms, duration, kind, state = r
        try:
            return LogEntry(rid, cid, rating, from_ms(at_ms), duration, KINDS[kind], state)
        except (TypeError, IndexError, OverflowError, ValueError):
            raise StoreError(f"{self.path}: review {rid} of card {cid!r} has a bad stored value (damaged or "
                             "hand-edited database)") from None

    @reading
    def count_log(self, since: datetime | None = None, kind: str = "review") -> dict[str, int]:
        """Reviews logged since `since`, counted by the state the card was in before: new/learning/review."""
        rows = self.db.execute(
            "SELECT state, COUNT(*) FROM review_log WHERE kind = ? AND at_ms >= ? GROUP BY state",
            (KIND_CODE[kind], to_ms(since) if since else -(2**62)),
        )
        out = {"new": 0, "learning": 0, "review": 0}
        for st, n in rows:
            out["new" if st == 0 else "review" if st == 2 else "learning"] += n
        return out

    @reading
    def review_hours(self) -> list[datetime]:
        """Every distinct UTC hour with a logged review or cram (for study-day streaks)."""
        rows = self.db.execute("SELECT DISTINCT at_ms / 3600000 FROM review_log")
        return [from_ms(h * 3_600_000) for (h,) in rows]

    @reading
    def last_log_id(self) -> int | None:
        row = self.db.execute("SELECT MAX(id) FROM review_log").fetchone()
        return row[0] if row else None

    @reading
    def logged_card_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT card_id FROM card_keys k WHERE EXISTS (SELECT 1 FROM review_log r WHERE r.card = k.key)")}

    # -- writes (each one transaction) ---------------------------------------------------------

    def record_review(
        self, before: CardState | None, after: CardState, rating: int, reviewed_at: datetime,
        duration_ms: int | None, kind: str = "review",
    ) -> int:
        """Write the new state and its log row atomically, if the stored state is still `before`;
        returns the log row id. `after.last_review` should be `reviewed_at` (as the session's is)."""
        cid = after.card_id
        with self._tx():
            self._expect(cid, before)
            key = self._key(cid)
            cols = cols_of(before)
            ex = extras(before, derive(cols, after, self._prev_at(key, None), rating, reviewed_at))
            self._put(after)
            rid = self._insert(key, reviewed_at, rating, duration_ms, KIND_CODE[kind], cols)
            if ex:
                self.db.execute("INSERT INTO review_extra (id, before) VALUES (?, ?)", (rid, json.dumps(ex)))
            return rid

    def record_cram(self, card_id: str, state: CardState | None, rating: int, reviewed_at: datetime,
                    duration_ms: int | None) -> int:
        """Log a cram review: scheduling state is not touched."""
        with self._tx():
            cols = (state.state if state else 0, None, None, None, None)
            return self._insert(self._key(card_id), reviewed_at, rating, duration_ms, CRAM, cols)

    def _insert(self, key: int, at: datetime, rating: int, duration_ms: int | None, kind: int,
                cols: tuple[Any, ...]) -> int:
        cur = self.db.execute(
            "INSERT INTO review_log (card, at_ms, rating, duration_ms, kind, state, step, stability, difficulty,"
            " due_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, to_ms(at), rating, duration_ms, kind, *cols),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def _prev_at(self, key: int, before_id: int | None) -> datetime | None:
        """The latest time the card was reviewed (non-cram) in the rows logged before row
        `before_id` (None: in all rows). Walks the (card, at_ms) index from its end."""
        row = self.db.execute(
            "SELECT at_ms FROM review_log WHERE card = ? AND kind != ? AND id < ? ORDER BY at_ms DESC, id DESC LIMIT 1",
            (key, CRAM, before_id if before_id is not None else 2**62),
        ).fetchone()
        return from_ms(row[0]) if row else None

    def _expect(self, card_id: str, expected: CardState | None) -> None:
        if expected is ANY:
            return
        r = self.db.execute(f"{_SELECT_CARD} WHERE card_id = ?", (card_id,)).fetchone()
        stored = self._card(r) if r else None
        if stored != expected:
            raise StaleStateError(card_id, f"card '{card_id}' was changed by another gdstudy meanwhile; "
                                  "nothing was saved and its state is reloaded")

    def undo(self, log_id: int) -> LogEntry:
        """Remove log row `log_id` and restore the card's state before it (it must be the card's latest)."""
        with self._tx():
            r = self.db.execute(
                f"SELECT {_LOG_COLS}, r.step, r.stability, r.difficulty, r.due_ms, r.card, x.before"
                " FROM review_log r JOIN card_keys k ON k.key = r.card LEFT JOIN review_extra x ON x.id = r.id"
                " WHERE r.id = ?", (log_id,)).fetchone()
            if r is None:
                raise StoreError(f"nothing to undo: review {log_id} is not in the log")
            entry = self._entry(r[:7])
            key, extra = r[11], r[12]
            latest = self.db.execute("SELECT MAX(id) FROM review_log WHERE card = ?", (key,)).fetchone()[0]
            if latest != log_id:
                raise StoreError(f"cannot undo: card '{entry.card_id}' was reviewed again after that grade")
            if entry.kind != "cram":
                self._restore_before(entry, (r[6], r[7], r[8], r[9], r[10]), key, extra)
            self.db.execute("DELETE FROM review_log WHERE id = ?", (log_id,))
            self.db.execute("DELETE FROM review_extra WHERE id = ?", (log_id,))
            return entry

    def _restore_before(self, entry: LogEntry, cols: Any, key: int, extra: str | None) -> None:
        cid = entry.card_id
        after = self.state(cid)
        if after is None:
            raise StoreError(f"cannot undo: card '{cid}' has no stored state (the database was edited)")
        derived = derive(cols, after, self._prev_at(key, entry.id), entry.rating, entry.reviewed_at)
        if derived is UNKNOWN:
            raise StoreError(f"cannot undo an imported review of '{cid}': its state before was not recorded")
        before = apply_extras(derived, json.loads(extra) if extra else None)  # type: ignore[arg-type]
        if before is None:
            self.db.execute("DELETE FROM cards WHERE card_id = ?", (cid,))
        else:
            self._put(before)

    def delete_state(self, card_id: str, expected: CardState | None = ANY) -> None:
        with self._tx():
            self._expect(card_id, expected)
            self.db.execute("DELETE FROM cards WHERE card_id = ?", (card_id,))

    def put_state(self, state: CardState, expected: CardState | None = ANY) -> None:
        with self._tx():
            self._expect(state.card_id, expected)
            self._put(state)

    def _put(self, s: CardState) -> None:
        d = s.to_dict()
        self.db.execute(
            f"INSERT OR REPLACE INTO cards ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",
            tuple(d[c] for c in _COLS),
        )

    # -- interviews ------------------------------------------------------------------------------

    def save_interview(self, started_at: datetime, ended_at: datetime, summary: dict[str, Any]) -> int:
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO interview_sessions (started_at, ended_at, summary) VALUES (?, ?, ?)",
                (iso(started_at), iso(ended_at), json.dumps(summary)),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    @reading
    def interviews(self) -> list[tuple[int, datetime, datetime, dict[str, Any]]]:
        from gdstudy.timeutil import parse_iso

        out = []
        for r in self.db.execute("SELECT id, started_at, ended_at, summary FROM interview_sessions ORDER BY id"):
            try:
                out.append((r[0], parse_iso(r[1]), parse_iso(r[2]), checked_summary(r[3])))
            except (TypeError, ValueError, RecursionError) as e:
                raise StoreError(f"{self.path}: saved interview #{r[0]} is damaged ({e}); "
                                 "delete that row of the interview_sessions table") from None
        return out


def checked_summary(text: str) -> dict[str, Any]:
    """A saved interview summary (`InterviewSession.summary()`), checked for the fields that
    `interview history` reads; a summary saved before `scheduled` existed has none."""
    s = json.loads(text)
    if not isinstance(s, dict):
        raise ValueError("the summary is not a JSON object")
    for key in ("cards", "answered"):
        if not _count(s.get(key)):
            raise ValueError(f"{key} is not a count")
    grades = s.get("grades")
    if not isinstance(grades, dict) or not all(isinstance(k, str) and _count(v) for k, v in grades.items()):
        raise ValueError("grades is not a table of counts")
    tags = s.get("weakest_tags")
    if not isinstance(tags, list) or not all(isinstance(t, dict) and isinstance(t.get("tag"), str) for t in tags):
        raise ValueError("weakest_tags is not a list of tags")
    answers = s.get("answers")
    if not isinstance(answers, list) or not all(_answer(a) for a in answers):
        raise ValueError("answers is not a list of answers")
    if not isinstance(s.get("scheduled", True), bool):
        raise ValueError("scheduled is not true or false")
    if not _count(s.get("time_up", 0)):
        raise ValueError("time_up is not a count")
    missed = s.get("not_reached", [])
    if not isinstance(missed, list) or not all(isinstance(c, str) for c in missed):
        raise ValueError("not_reached is not a list of card ids")
    return s


def _count(v: object) -> bool:
    return type(v) is int and v >= 0


def _answer(a: object) -> bool:
    return (isinstance(a, dict) and isinstance(a.get("card_id"), str) and isinstance(a.get("answer"), str)
            and (a.get("grade") is None or (a.get("grade") in (1, 2, 3, 4) and type(a.get("grade")) is int))
            and type(a.get("seconds")) in (int, float) and math.isfinite(a["seconds"]))

