"""The review log as an FSRS revlog CSV: `gdstudy log export` / `gdstudy log import`.

Columns (header row; the first five are the FSRS optimizer's review-log schema, read by name):

    card_id          integer: gdstudy.scheduling.fsrs_id(slug), the id the scheduler uses
    review_time      Unix milliseconds, UTC
    review_rating    1 Again, 2 Hard, 3 Good, 4 Easy
    review_state     the card's state *before* the review: 0 new, 1 learning, 2 review, 3 relearning
    review_duration  milliseconds (empty when unknown)
    card_slug        gdstudy extension: the card's id as in the YAML (the card_id -> slug mapping)
    due_after        gdstudy extension: Unix ms of the due date the card's *latest* review gave
                     (empty on other rows). Fuzz makes review intervals random, so a replay alone
                     cannot reproduce them; this keeps the interval you were actually given.

Exported: every review except cram reviews (they never change scheduling); undone reviews are not
in the log at all. Import merges rows into the store in one transaction: a row identical (card,
time, rating) to a logged one is skipped (importing twice adds nothing); then each touched card's
whole history is replayed through py-fsrs (`Scheduler.review_card` in time order, gdstudy's
settings and the FSRS weights active in the store) to recompute its state. Cards not in the deck keep their rows as orphans. A bad row
aborts the import (`file:line: message`) and nothing is written.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from gdstudy.errors import ConfigError
from gdstudy.interop.logfile import FUTURE_SLACK_MS, LogFileError, lines, open_regular
from gdstudy.interop.replay import DAY_MS, Replayer, from_ms, to_ms
from gdstudy.scheduling import fsrs_id
from gdstudy.timeutil import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from gdstudy.config import Settings
    from gdstudy.outpath import Target
    from gdstudy.deck import Deck
    from gdstudy.store import ReviewRow, Store

__all__ = [
    "COLUMNS", "LogFileError", "LogExport", "LogImport", "export_log", "read_log", "import_log",
    "Replayer", "to_ms", "from_ms",
]

FSRS_COLUMNS = ("card_id", "review_time", "review_rating", "review_state", "review_duration")
COLUMNS = (*FSRS_COLUMNS, "card_slug", "due_after")
REQUIRED = ("card_id", "review_time", "review_rating", "review_state")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TIME_MS = 4_102_444_800_000  # 2100-01-01: anything later is a broken timestamp, not a review


# -- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogExport:
    path: Path
    rows: int
    cards: int
    cram_skipped: int


def export_log(store: "Store", out: "Path | Target", *, fmt: str = "csv", force: bool = False) -> LogExport:
    """Write every non-cram review, oldest first, as CSV (FSRS revlog + card_slug, due_after) or
    JSON ({"columns", "excluded", "reviews": [objects]}). The file appears whole or not at all; `out`
    follows gdstudy.outpath's rule (a Target already checked, or a path: `-` is stdout)."""
    from gdstudy import outpath

    if fmt not in ("csv", "json"):
        raise ConfigError(f"unknown format '{fmt}' (choose csv or json)")
    target = out if isinstance(out, outpath.Target) else outpath.target(out, outpath.LOG_EXPORT, force=force, store=store.path)
    # the latest review of each card set its current due date: export that as due_after
    last: dict[str, tuple[int, int]] = {}
    for cid, st in store.states().items():
        if st.last_review is not None and not st.is_new:
            last[cid] = (to_ms(st.last_review), to_ms(st.due))
    rows = cram = 0
    cards: set[str] = set()
    ids: dict[str, int] = {}
    with outpath.open_text(target) as f:
        if fmt == "csv":
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            put = w.writerow
        else:
            f.write('{"format": "fsrs-revlog", "columns": ' + json.dumps(list(COLUMNS)) + ', "reviews": [\n')
            sep = [""]

            def put(r: tuple) -> None:
                f.write(sep[0] + json.dumps(dict(zip(COLUMNS, r)), ensure_ascii=False))
                sep[0] = ",\n"
        for r in store.iter_reviews(None):
            if r.kind == "cram":
                cram += 1
                continue
            slug = r.card_id
            cid = ids.get(slug)
            if cid is None:
                cid = ids[slug] = fsrs_id(slug)
                cards.add(slug)
            lt = last.get(slug)
            due = lt[1] if lt is not None and abs(lt[0] - r.reviewed_at_ms) <= 1 else None
            dur = r.duration_ms
            if fmt == "csv":
                put((cid, r.reviewed_at_ms, r.rating, r.state_before, "" if dur is None else dur, slug,
                     "" if due is None else due))
            else:
                put((cid, r.reviewed_at_ms, r.rating, r.state_before, dur, slug, due))
            rows += 1
        if fmt == "json":
            f.write('\n], "excluded": ' + json.dumps({"cram": cram, "undone": "undone reviews are not in the log"}) + "}\n")
    return LogExport(target.path or Path(outpath.STDOUT), rows, len(cards), cram)


# -- reading -----------------------------------------------------------------------------------


@dataclass
class ParsedLog:
    """What reading a log file found besides its rows: the recorded due dates (`due_after`), the
    cards it names, and how many rows it had."""

    due_after: dict[tuple[str, int], int] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    rows: int = 0


def _int(text: str, what: str, lo: int, hi: int) -> int:
    try:
        v = int(text)
    except ValueError:
        raise ValueError(f"{what} must be an integer, got {text[:40]!r}") from None
    if not lo <= v <= hi:
        raise ValueError(f"{what} {v} is out of range ({lo}..{hi})")
    return v


def _opt_int(text: str, what: str, lo: int, hi: int) -> int | None:
    return _int(text, what, lo, hi) if text.strip() else None


MAX_DUE_MS = MAX_TIME_MS + 36500 * DAY_MS
MAX_DURATION = 2**31 - 1


def read_log(path: Path, known_ids: dict[int, str], found: ParsedLog | None = None, *,
             now_ms: int | None = None) -> Iterator["ReviewRow"]:
    """Stream the validated rows of a revlog CSV, in file order. `known_ids` maps fsrs int ids to
    slugs, for files without a card_slug column; an unknown int id becomes the orphan slug
    `fsrs-<id>`. A bad row raises LogFileError `path:line: ...` when it is reached: consume this
    inside one transaction (Store.import_reviews) and nothing is written. `found` collects the
    due_after values and the slugs seen. A review later than `now_ms` (default: the clock) plus
    a day is refused: a machine with a wrong clock, whose reviews would count as today's every
    day until then.

    Only a regular file is read (a FIFO, a device or a folder is one error), in binary, split
    into lines with a length cap (`gdstudy.interop.logfile`), so memory stays bounded and a byte
    that is not UTF-8 is reported on its own line."""
    from gdstudy.store import ReviewRow

    path = Path(path)
    found = found if found is not None else ParsedLog()
    latest = (to_ms(utcnow()) if now_ms is None else now_ms) + FUTURE_SLACK_MS
    raw = open_regular(path)
    line = 1
    with raw:
        reader = csv.reader(lines(raw, path))
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise LogFileError(f"{path}:1: {e}") from None
        if header is None:
            raise LogFileError(f"{path}:1: empty file (expected a header row: {','.join(COLUMNS)})")
        header = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise LogFileError(f"{path}:1: missing column(s) {', '.join(missing)} (header: {','.join(COLUMNS)})")
        col = {name: header.index(name) for name in COLUMNS if name in header}
        i_id, i_t, i_r, i_s = col["card_id"], col["review_time"], col["review_rating"], col["review_state"]
        i_d, i_slug, i_due = col.get("review_duration"), col.get("card_slug"), col.get("due_after")
        width = len(header)
        slugs: dict[tuple[str, str], str] = {}  # (card_id text, card_slug text) -> slug, checked once
        due_after, new = found.due_after, ReviewRow.__new__
        n = 0
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise LogFileError(f"{path}:{reader.line_num}: {e}") from None
            line = reader.line_num
            if not rec:
                continue
            if len(rec) != width:
                raise LogFileError(f"{path}:{line}: {len(rec)} field(s), the header has {width}")
            try:
                ids = (rec[i_id], rec[i_slug] if i_slug is not None else "")
                slug = slugs.get(ids)
                if slug is None:
                    slug = slugs[ids] = _slug(*ids, known_ids)
                try:  # fast path: plain integers in range; anything else is re-checked for the message
                    t, rating, state = int(rec[i_t]), int(rec[i_r]), int(rec[i_s])
                    d = rec[i_d] if i_d is not None else ""
                    dur = int(d) if d else None
                    due_txt = rec[i_due] if i_due is not None else ""
                    due = int(due_txt) if due_txt else None
                    ok = (0 <= t <= MAX_TIME_MS and 1 <= rating <= 4 and 0 <= state <= 3
                          and (dur is None or 0 <= dur <= MAX_DURATION) and (due is None or 0 <= due <= MAX_DUE_MS))
                except ValueError:
                    ok = False
                if not ok:
                    t = _int(rec[i_t], "review_time", 0, MAX_TIME_MS)
                    rating = _int(rec[i_r], "review_rating", 1, 4)
                    state = _int(rec[i_s], "review_state", 0, 3)
                    dur = _opt_int(rec[i_d] if i_d is not None else "", "review_duration", 0, MAX_DURATION)
                    due = _opt_int(rec[i_due] if i_due is not None else "", "due_after", 0, MAX_DUE_MS)
            except ValueError as e:
                raise LogFileError(f"{path}:{line}: {e}") from None
            if t > latest:
                raise LogFileError(f"{path}:{line}: review_time {t} ({from_ms(t):%Y-%m-%d %H:%M} UTC) is in the future "
                                   "(more than a day after now): was it logged on a machine with a wrong clock? "
                                   "Nothing was imported")
            r = new(ReviewRow)  # frozen dataclass: fill __dict__ directly (as the store does), 3x faster
            r.__dict__.update(card_id=slug, reviewed_at_ms=t, rating=rating, duration_ms=dur, kind="review",
                              state_before=state)
            n += 1
            if due is not None:
                due_after[(slug, t)] = due
            yield r
        found.slugs.update(slugs.values())
        found.rows = n


def _slug(card_id: str, slug: str, known_ids: dict[int, str]) -> str:
    card_id, slug = card_id.strip(), slug.strip()
    try:
        num: int | None = int(card_id)
    except ValueError:
        num = None
    if slug:
        if not SLUG.match(slug) or len(slug) > 200:
            raise ValueError(f"card_slug {slug[:40]!r} is not a card id (lowercase letters, digits, single hyphens)")
        if num is not None and num != fsrs_id(slug):
            raise ValueError(f"card_id {num} does not belong to card_slug '{slug}' (expected {fsrs_id(slug)})")
        if num is None and card_id != slug:
            raise ValueError(f"card_id {card_id[:40]!r} must be an integer")
        return slug
    if num is not None:
        if num < 0:
            raise ValueError(f"card_id {num} is negative")
        return known_ids.get(num) or f"fsrs-{num}"
    if SLUG.match(card_id) and len(card_id) <= 200:
        return card_id
    raise ValueError(f"card_id {card_id[:40]!r} is neither an integer nor a card id")


# -- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogImport:
    rows: int            # rows in the file
    added: int
    skipped: int         # already in the store
    cards: int           # cards whose state was recomputed
    orphans: list[str]   # slugs with imported rows that are in no deck


def import_log(store: "Store", path: Path, deck: "Deck", settings: "Settings", *,
               now: "datetime | None" = None) -> LogImport:
    """Merge the log at `path` into `store` (see the module docstring). The file is streamed into
    one store transaction: a bad row raises and rolls back everything. `now` (default: the
    clock) bounds the review times: later than a day after it is refused."""
    import gc

    existing = store.states()
    known_ids = {fsrs_id(c.id): c.id for c in deck.cards}
    for cid in existing:
        known_ids.setdefault(fsrs_id(cid), cid)
    found = ParsedLog()

    def content_hash(slug: str) -> str:
        card = deck.by_id.get(slug)
        if card is not None:
            return card.content_hash
        st = existing.get(slug)
        return st.content_hash if st else ""

    def recorded_due(slug: str, t: int) -> int | None:
        due = found.due_after.get((slug, t))
        if due is not None:
            return due
        st = existing.get(slug)
        if st is not None and st.last_review is not None and abs(to_ms(st.last_review) - t) <= 1:
            return to_ms(st.due)
        return None

    gc_was_on = gc.isenabled()
    gc.disable()  # a million acyclic rows: collector passes over them only cost time
    try:
        active = store.active_params()  # replay with the FSRS weights the app schedules with now
        replay = Replayer(settings, content_hash, recorded_due, active.params if active else None)
        rows = read_log(path, known_ids, found, now_ms=to_ms(now if now is not None else utcnow()))
        res = store.import_reviews(rows, replay)
    finally:
        if gc_was_on:
            gc.enable()
    orphans = sorted(found.slugs - set(deck.by_id))
    return LogImport(found.rows, res.added, res.skipped, res.cards, orphans)
