"""`gdstudy export anki --include-schedule`: card scheduling and the review log, written into the
collection genanki builds (genanki itself writes every card as new and has no review-log API,
genanki issue #147).

What Anki's package importer does with it (checked against the `anki` 26.9 Python package):
- with "Import any learning progress" on, cards new to the profile arrive with their state, due
  date, reps, lapses and FSRS memory state (`data` = {"s", "d", "dr"}), and the review log with them;
- the collection is marked scheduler v2 (`schedVer`), else Anki "upgrades" it and rewrites the
  learning-review ratings of a v1 log;
- a review card's due is a day number relative to the collection's creation; Anki shifts it by the
  difference between the two collections' day counts, so "due in 5 days" stays "due in 5 days";
- Anki does not update the scheduling of a card that is already in the profile (its importer adds
  scheduling only for new cards): re-importing updates the notes' text, never the schedule.

Anki review-log rows: ease = the rating, type 0 learning / 1 review / 2 relearning (from the state
before), time = duration capped at 60 s as Anki does, ivl = the replayed interval after the review
(days; negative seconds for learning steps; fuzz left out except on the card's latest review).
Cram reviews are left out, as in `gdstudy log export`.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.store import CardState, ReviewRow

__all__ = ["Schedule", "write_package"]

DAY = 86400
REVLOG_TYPE = {0: 0, 1: 0, 2: 1, 3: 2}  # gdstudy state before -> Anki revlog type
MAX_TIME_MS = 60_000


@dataclass(frozen=True)
class Schedule:
    """What `--include-schedule` adds: per card slug its state and its (non-cram) review history."""

    states: dict[str, "CardState"]
    history: dict[str, list["ReviewRow"]]
    settings: "Settings"
    now: datetime


def write_package(genanki: Any, decks: list[Any], out: str, timestamp: float | None,
                  guids: dict[str, str], schedule: Schedule | None) -> None:
    """genanki's Package.write_to_file (the same zip: `collection.anki2` + an empty `media` map),
    plus the scheduling of `schedule` when given. The collection is a scratch file zipped once,
    so it is built without fsyncs (genanki's own writer commits, and syncs, every DDL statement:
    ~0.3 s of the 55-card export on this machine)."""
    import tempfile
    import time

    ts = time.time() if timestamp is None else timestamp
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "collection.anki2"
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA journal_mode = MEMORY")
            db.execute("PRAGMA synchronous = OFF")
            genanki.Package(decks).write_to_db(db.cursor(), ts, itertools.count(int(ts * 1000)))
            if schedule is not None:
                _add_schedule(db, guids, schedule)
            db.commit()
        finally:
            db.close()
        with zipfile.ZipFile(out, "w") as z:
            z.write(path, "collection.anki2")
            z.writestr("media", "{}")


def _add_schedule(db: sqlite3.Connection, guids: dict[str, str], sch: Schedule) -> None:
    from gdstudy.stats import study_day

    crt, conf = db.execute("SELECT crt, conf FROM col").fetchone()
    conf = json.loads(conf)
    conf["schedVer"] = 2
    db.execute("UPDATE col SET conf = ?", (json.dumps(conf),))
    now = sch.now
    src_today = int(now.timestamp() - crt) // DAY  # the day number Anki computes for this collection
    hour = sch.settings.day_starts_at_hour
    today = study_day(now, hour)
    card_of = dict(db.execute("SELECT n.guid, c.id FROM cards c JOIN notes n ON n.id = c.nid"))
    used: set[int] = set()
    for slug, guid in guids.items():
        cid = card_of[guid]
        st = sch.states.get(slug)
        if st is not None:
            _update_card(db, cid, st, sch.settings, now, src_today, (study_day(st.due, hour) - today).days)
        for row in _revlog(cid, slug, sch.history.get(slug, []), st, sch.settings, used):
            db.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)", row)


def _update_card(db: sqlite3.Connection, cid: int, st: "CardState", settings: "Settings", now: datetime,
                 src_today: int, days_until: int) -> None:
    if st.is_new:  # a new card that only carries a flag
        if st.suspended:
            db.execute("UPDATE cards SET queue = -1 WHERE id = ?", (cid,))
        return
    due_s = int(st.due.timestamp())
    data = json.dumps({"s": st.stability, "d": st.difficulty, "dr": settings.desired_retention})
    if st.state == 2:
        ivl = max(1, round((st.due - st.last_review).total_seconds() / DAY)) if st.last_review else 1
        ctype, queue, due, left, factor = 2, 2, src_today + max(days_until, 0), 0, 2500
    else:
        steps = settings.learning_steps if st.state == 1 else settings.relearning_steps
        remaining = max(1, len(steps) - (st.step or 0))
        ivl = 0 if st.state == 1 else 1
        ctype, factor = (1, 0) if st.state == 1 else (3, 2500)
        left = remaining + 1000 * remaining
        if st.due - now >= timedelta(days=1):  # a step of a day or more: Anki's day-learn queue
            queue, due = 3, src_today + max(days_until, 0)
        else:
            queue, due = 1, due_s
    if st.suspended:
        queue = -1
    elif st.buried_until is not None and st.buried_until > now:
        queue = -2
    db.execute(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ?, left = ?,"
        " data = ? WHERE id = ?",
        (ctype, queue, due, ivl, factor, st.reps, st.lapses, left, data, cid),
    )


def _revlog(cid: int, slug: str, rows: list["ReviewRow"], st: "CardState | None", settings: "Settings",
            used: set[int]) -> list[tuple]:
    """Anki revlog rows (id, cid, ease, ivl, lastIvl, factor, time, type) for one card."""
    if not rows:
        return []
    from fsrs import Card as FsrsCard
    from fsrs import Rating

    from gdstudy.interop.replay import from_ms
    from gdstudy.scheduling import fsrs_id, make_scheduler

    sched = make_scheduler(replace(settings, enable_fuzz=False))
    fc = FsrsCard(card_id=fsrs_id(slug), due=from_ms(rows[0].reviewed_at_ms))
    out, last_ivl = [], 0
    for i, r in enumerate(rows):
        t = from_ms(r.reviewed_at_ms)
        fc, _ = sched.review_card(fc, Rating(r.rating), review_datetime=t)
        due = st.due if (i == len(rows) - 1 and st is not None and not st.is_new) else fc.due
        secs = (due - t).total_seconds()
        ivl = max(1, round(secs / DAY)) if int(fc.state) == 2 else -max(1, int(secs))
        rid = r.reviewed_at_ms
        while rid in used:  # Anki's revlog id is unique: the review time in ms
            rid += 1
        used.add(rid)
        kind = REVLOG_TYPE[r.state_before]
        out.append((rid, cid, r.rating, ivl, last_ivl, 2500 if kind else 0,
                    min(r.duration_ms or 0, MAX_TIME_MS), kind))
        last_ivl = ivl
    return out
