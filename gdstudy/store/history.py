"""The whole log in bulk (revlog export/import, parameter fitting) and saved FSRS parameters.

`iter_reviews` streams `ReviewRow`s in time order straight from the typed columns (a million rows in
a few seconds). `import_reviews` adds rows in one transaction, skipping exact duplicates, then asks
the caller to replay each touched card's full history into its new state.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from gdstudy.errors import StoreError
from gdstudy.store.core import reading
from gdstudy.store.model import KIND_CODE, KINDS, CardState, ImportResult, ParamsRow, ReviewRow, from_ms, to_ms
from gdstudy.store.reviews import ANY, ReviewsMixin
from gdstudy.store.schema import STRICT

__all__ = ["HistoryMixin"]

_TEMP = f"""CREATE TEMP TABLE import_rows (
    card        INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL CHECK (at_ms BETWEEN -9007199254740991 AND 9007199254740991),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    duration_ms INTEGER CHECK (duration_ms BETWEEN 0 AND 9007199254740991),
    kind        INTEGER NOT NULL,
    state       INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3)
){STRICT}"""

Replay = Callable[[str, list[ReviewRow]], "CardState | None"]


class HistoryMixin(ReviewsMixin):
    @reading
    def iter_reviews(self, kinds: tuple[str, ...] | None = ("review",)) -> Iterator[ReviewRow]:
        """Every logged review of those kinds (None = all), ordered by time (ties by insertion
        order); orphans (cards no longer in a deck) included."""
        names = dict(self.db.execute("SELECT key, card_id FROM card_keys").fetchall())
        sql, args = "SELECT card, at_ms, rating, duration_ms, kind, state FROM review_log", []
        if kinds is not None:
            codes = [KIND_CODE[k] for k in kinds if k in KIND_CODE]
            sql += f" WHERE kind IN ({', '.join('?' * len(codes))})"
            args = codes
        cur = self.db.execute(sql + " ORDER BY at_ms, id", args)
        return self._rows(cur, names)

    def _rows(self, cur: Any, names: dict[int, str]) -> Iterator[ReviewRow]:
        new = ReviewRow.__new__
        for card, at_ms, rating, duration, kind, state in cur:
            r = new(ReviewRow)  # frozen dataclass: fill __dict__ directly, ~3x faster than __init__
            r.__dict__.update(card_id=names[card], reviewed_at_ms=at_ms, rating=rating, duration_ms=duration,
                              kind=KINDS[kind], state_before=state)
            yield r

    def import_reviews(self, rows: Iterable[ReviewRow], replay: Replay) -> ImportResult:
        """ONE transaction: rows identical (card, time, rating) to a logged one, or to an earlier
        row of the same import, are skipped, the rest inserted in the order given; then each
        touched card's state is replaced by `replay(card_id, full history sorted by time)` (None =
        new), keeping its flags (suspended, buried) and content hash; the leech flag is the
        replay's (or kept when already set), and a card that becomes a leech is suspended. Any exception
        (a bad row, a failing replay) rolls everything back.

        Shape: the rows go through a TEMP table (validated in C by its CHECK constraints), and one
        INSERT ... SELECT drops the duplicates, so a million rows take seconds."""
        with self._tx():
            self.db.execute(_TEMP)
            try:
                return self._import(rows, replay)
            finally:
                self.db.execute("DROP TABLE temp.import_rows")

    def _import(self, rows: Iterable[ReviewRow], replay: Replay) -> ImportResult:
        seen = [0]

        def typed() -> Iterator[tuple[Any, ...]]:
            key, kinds = self._key, KIND_CODE
            for r in rows:
                seen[0] += 1
                if r.kind not in kinds or not isinstance(r.card_id, str) or not r.card_id:
                    _validate(seen[0], r)
                yield (key(r.card_id), r.reviewed_at_ms, r.rating, r.duration_ms, kinds[r.kind], r.state_before)

        try:
            self.db.executemany("INSERT INTO temp.import_rows VALUES (?, ?, ?, ?, ?, ?)", typed())
        except sqlite3.IntegrityError:  # a CHECK failed: row seen[0]; say what is wrong if it can be read again
            if isinstance(rows, Sequence) and 0 < seen[0] <= len(rows):
                _validate(seen[0], rows[seen[0] - 1])
            raise StoreError(f"import: row {seen[0]} is not a valid review; nothing was imported") from None
        first_new = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM review_log").fetchone()[0]
        self.db.execute(
            "INSERT INTO review_log (card, at_ms, rating, duration_ms, kind, state)"
            " SELECT card, at_ms, rating, duration_ms, kind, state FROM temp.import_rows i"
            " WHERE i.rowid IN (SELECT MIN(rowid) FROM temp.import_rows GROUP BY card, at_ms, rating)"
            " AND NOT EXISTS (SELECT 1 FROM review_log r WHERE r.card = i.card AND r.at_ms = i.at_ms"
            " AND r.rating = i.rating) ORDER BY i.rowid")
        added = self.db.execute("SELECT changes()").fetchone()[0]
        touched = self.db.execute(
            "SELECT k.key, k.card_id FROM card_keys k WHERE k.key IN"
            " (SELECT DISTINCT card FROM review_log WHERE id > ?)", (first_new,)).fetchall()
        for key, cid in touched:
            history = list(self._rows(self.db.execute(
                "SELECT card, at_ms, rating, duration_ms, kind, state FROM review_log WHERE card = ?"
                " ORDER BY at_ms, id", (key,)), {key: cid}))
            self._replace_state(cid, replay(cid, history))
        return ImportResult(added=added, skipped=seen[0] - added, cards=len(touched))

    def _replace_state(self, cid: str, new: CardState | None) -> None:
        old = self.state(cid)
        if new is not None and new.card_id != cid:
            raise StoreError(f"import: replay of '{cid}' returned the state of '{new.card_id}'")
        if new is None:
            new = CardState(cid, 0, None, None, None, old.due, None, content_hash=old.content_hash) if old else None
        if new is not None and old is not None:
            # the leech flag is recomputed from the whole history (as on a machine without this
            # card's state); a card that becomes a leech now is suspended, one that already was
            # keeps its suspension as the user left it (`unsuspend` studies a leech again)
            leech = old.leech or new.leech
            suspended = old.suspended or (new.leech and not old.leech)
            new = replace(new, suspended=suspended, buried_until=old.buried_until, leech=leech,
                          content_hash=old.content_hash)
        if new is None or (new.is_new and not (new.suspended or new.buried_until or new.leech)):
            self.db.execute("DELETE FROM cards WHERE card_id = ?", (cid,))
        else:
            self._put(new)

    # -- FSRS parameters -------------------------------------------------------------------------

    def save_params(self, params: list[float] | None, *, at: datetime, n_reviews: int, scores: dict[str, Any],
                    based_on: Any = ANY) -> int:
        """A new active parameter set (None = FSRS defaults, i.e. a reset); older ones stay as history.
        `based_on`: the id of the set in force the new one was computed from (None: none saved);
        if another set is in force by now (a reset, undo or fit made meanwhile), nothing is saved
        and StoreError says so (compare-and-set inside the write transaction)."""
        if params is not None:
            params = [float(p) for p in params]
        with self._tx():
            if based_on is not ANY:
                now_in_force = self.db.execute("SELECT MAX(id) FROM params").fetchone()[0]
                if now_in_force != based_on:
                    raise StoreError(f"{self.path}: the FSRS parameters in force were changed by another gdstudy "
                                     "meanwhile (optimize --reset, --undo or a fit); nothing was saved — run it again")
            cur = self.db.execute(
                "INSERT INTO params (at_ms, params, n_reviews, scores) VALUES (?, ?, ?, ?)",
                (to_ms(at), json.dumps(params) if params is not None else None, int(n_reviews), json.dumps(scores)),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    @reading
    def active_params(self) -> ParamsRow | None:
        """The newest saved set, or None when never optimized (FSRS defaults)."""
        row = self.db.execute("SELECT id, params, at_ms, n_reviews, scores FROM params ORDER BY id DESC LIMIT 1").fetchone()
        return self._params_row(row) if row else None

    @reading
    def params_history(self) -> list[ParamsRow]:
        rows = self.db.execute("SELECT id, params, at_ms, n_reviews, scores FROM params ORDER BY id")
        return [self._params_row(r) for r in rows]

    def undo_params(self) -> ParamsRow | None:
        """Drop the newest set; the previous one (or the defaults: None) is active again."""
        with self._tx():
            self.db.execute("DELETE FROM params WHERE id = (SELECT MAX(id) FROM params)")
        return self.active_params()

    @reading
    def params_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM params").fetchone()[0])

    def _params_row(self, r: tuple[Any, ...]) -> ParamsRow:
        """A saved set, validated where it is read: the 21 FSRS-6 weights (finite numbers) or
        NULL, scores a JSON object whose desired_retention, if any, lies in (0, 1)."""
        try:
            return ParamsRow(id=r[0], params=checked_params(r[1]), at=from_ms(r[2]), n_reviews=r[3],
                             scores=checked_scores(r[4]))
        except (TypeError, ValueError, OverflowError, RecursionError) as e:
            raise StoreError(f"{self.path}: saved FSRS parameters #{r[0]} are damaged ({e}); "
                             "`gdstudy optimize --undo` drops that set") from None


N_PARAMS = 21  # FSRS-6
# `optimize --retention` recommends 0.70..0.97; a stored value far outside is damage (0.0001
# schedules ~97-year intervals, 0 crashes py-fsrs)
STORED_RETENTION = (0.5, 0.99)


def checked_params(text: str | None) -> list[float] | None:
    if text is None:
        return None
    v = json.loads(text)
    if v is None:
        return None
    if not isinstance(v, list) or len(v) != N_PARAMS:
        raise ValueError(f"params must be a list of {N_PARAMS} numbers, got {_kind(v)}")
    if not all(type(x) in (int, float) and math.isfinite(x) for x in v):
        raise ValueError(f"params must be {N_PARAMS} finite numbers")
    return [float(x) for x in v]


def checked_scores(text: str) -> dict[str, Any]:
    v = json.loads(text)
    if not isinstance(v, dict):
        raise ValueError(f"scores must be a JSON object, got {_kind(v)}")
    dr = v.get("desired_retention")
    lo, hi = STORED_RETENTION
    if dr is not None and not (type(dr) in (int, float) and lo <= dr <= hi):  # (NaN fails)
        raise ValueError(f"desired_retention must be a number from {lo} to {hi}, got {str(dr)[:20]}")
    return v


def _kind(v: object) -> str:
    return f"a list of {len(v)}" if isinstance(v, list) else type(v).__name__.replace("NoneType", "null")


def _validate(i: int, r: ReviewRow) -> None:
    ok = (
        isinstance(r.card_id, str) and r.card_id
        and isinstance(r.reviewed_at_ms, int) and not isinstance(r.reviewed_at_ms, bool)
        and -(2**53) < r.reviewed_at_ms < 2**53
        and r.rating in (1, 2, 3, 4)
        and (r.duration_ms is None or isinstance(r.duration_ms, int) and 0 <= r.duration_ms < 2**53)
        and r.kind in KIND_CODE
        and r.state_before in (0, 1, 2, 3)
    )
    if not ok:
        raise StoreError(f"import: row {i} is not a valid review ({r}); nothing was imported")
