"""A review session: the deck, the store and the settings, with the clock passed in.

The TUI is a thin view over this; tests and benchmarks drive it directly. Every grade is committed
to SQLite (its own transaction) before `grade()` returns, so the next card is only ever shown after
the previous grade is on disk.

Modes: normal review (FSRS scheduling), and cram (`cram=True`): every matching card regardless of
due dates, graded answers are logged as cram reviews and never change scheduling.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from gdstudy.config import Settings
from gdstudy.deck import Card, Deck
from gdstudy.errors import StaleStateError, StoreError
from gdstudy.scheduling import (
    Counts, Grade, Outcome, Queue, Today, build_queue, card_flags, due_today, make_scheduler, next_due_card, preview,
)
from gdstudy.store import CardState, Store, ms_floor
from gdstudy.timeutil import day_start, ensure_utc, study_day, utcnow

if TYPE_CHECKING:
    from fsrs import Scheduler

    from gdstudy.stats import Stats
    from gdstudy.summary import SessionSummary

__all__ = ["ReviewSession", "Undone"]


@dataclass(frozen=True)
class Undone:
    card_id: str
    what: str  # "Good", "bury", "suspend", ...


@dataclass(frozen=True)
class _LogUndo:
    log_id: int


@dataclass(frozen=True)
class _FlagUndo:
    card_id: str
    before: CardState | None
    what: str


@dataclass
class ReviewSession:
    deck: Deck
    store: Store
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    cram: bool = False
    tags: tuple[str, ...] = ()
    seed: int | None = None
    explicit_retention: bool = True  # False: use the retention `optimize --retention` recommended, if any
    _undo: list[_LogUndo | _FlagUndo] = field(default_factory=list)
    _states: dict[str, CardState] = field(default_factory=dict)
    _cram_queue: list[str] = field(default_factory=list)
    _graded: list[int] = field(default_factory=list)  # this session's log rows (undone ones removed)

    def __post_init__(self) -> None:
        self.started_at = self.now()
        self._scheduler: "Scheduler | None" = None
        self._params_key: object = None
        self._states = self.store.states()
        if self.cram:
            ids = [c.id for c in self.cards if not self._is_suspended(c.id)]
            random.Random(self.seed).shuffle(ids)
            self._cram_queue = ids

    @property
    def cards(self) -> list[Card]:
        """The deck's cards, restricted to `tags` (any of) when given."""
        if not self.tags:
            return self.deck.cards
        return [c for c in self.deck.cards if set(c.tags) & set(self.tags)]

    @property
    def scheduler(self) -> "Scheduler":
        """py-fsrs, built (and imported) when the first card is previewed: not at start-up. It uses
        the FSRS parameters active in the store (`gdstudy optimize`), checked before every card, so
        a new set applies from the next card; and the retention `optimize --retention` recommended
        unless the config or a flag set one (`explicit_retention`)."""
        try:
            row = self.store.active_params()
        except StoreError:
            if self._scheduler is None:
                raise
            return self._scheduler  # the database is briefly unreadable: keep the set in force
        key = (row.id, row.params, (row.scores or {}).get("desired_retention")) if row else None
        if self._scheduler is None or key != self._params_key:
            retention = None if self.explicit_retention or row is None else (row.scores or {}).get("desired_retention")
            self._scheduler = make_scheduler(self.settings, row.params if row else None, retention)
            self._params_key = key
        return self._scheduler

    def now(self) -> datetime:
        """The clock, at the millisecond precision the review log keeps."""
        return ms_floor(ensure_utc(self.clock()))

    def _is_suspended(self, card_id: str) -> bool:
        st = self._states.get(card_id)
        return st is not None and st.suspended

    # -- queue -------------------------------------------------------------------------------------

    def queue(self, now: datetime | None = None) -> Queue:
        if self.cram:
            return Queue(tuple(self._cram_queue), Counts(new=0, learning=0, review=len(self._cram_queue)))
        now = now or self.now()
        return build_queue(self.cards, self._states, now, self.settings, self._done_today(now))

    def _done_today(self, now: datetime) -> dict[str, int]:
        return self.store.count_log(since=day_start(now, self.settings.day_starts_at_hour))

    def today(self, now: datetime | None = None) -> Today:
        """Today's study plan (what the header counts, `cards list --state due` lists)."""
        now = now or self.now()
        return due_today(self.cards, self._states, now, self.settings, self._done_today(now))

    def counts(self, now: datetime | None = None) -> Counts:
        return self.queue(now).counts

    def flags(self, now: datetime | None = None) -> dict[str, frozenset[str]]:
        """Every card's filter flags (state name, due, edited, suspended, buried, leech), `due`
        meaning in today's plan."""
        now = now or self.now()
        today = self.today(now)
        return {c.id: card_flags(c, self._states.get(c.id), now, today) for c in self.deck.cards}

    def next_card(self, now: datetime | None = None) -> Card | None:
        cid = self.queue(now).next
        return self.deck.by_id[cid] if cid else None

    def state(self, card_id: str) -> CardState | None:
        return self._states.get(card_id)

    def states(self) -> dict[str, CardState]:
        return dict(self._states)

    def is_edited(self, card: Card) -> bool:
        return "edited" in card_flags(card, self._states.get(card.id), self.now())

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """When something is next due: a scheduled card, or tomorrow's new cards if any are left."""
        up = self.next_up(now)
        return up[1] if up else None

    def next_up(self, now: datetime | None = None) -> tuple[str | None, datetime] | None:
        """The next card due and when (card None: tomorrow's new cards come first), or None."""
        if self.cram:
            return None
        now = now or self.now()
        first = next_due_card(self.cards, self._states, now)
        times: list[tuple[datetime, str | None]] = [first] if first else []
        has_new = any((st := self._states.get(c.id)) is None or (st.is_new and not st.suspended) for c in self.cards)
        if has_new and self.settings.new_per_day > 0:
            times.append((day_start(now, self.settings.day_starts_at_hour) + timedelta(days=1), None))
        if not times:
            return None
        when, card = min(times, key=lambda t: t[0])
        return card, when

    def summary(self, now: datetime | None = None) -> "SessionSummary":
        """This session so far (grades, time on cards) with today's figures and what is next
        (`gdstudy.summary`): a queue with a card due now names it, due now."""
        from gdstudy.summary import summarize

        now = now or self.now()
        hour = self.settings.day_starts_at_hour
        start = min(self.started_at, day_start(now, hour))
        log = list(self.store.log(since=start))
        mine = set(self._graded)
        days = [study_day(h, hour) for h in self.store.review_hours()]
        queued = None if self.cram else self.queue(now).next
        up = (queued, now) if queued else self.next_up(now)
        return summarize([e for e in log if e.id in mine], log, days, up, now, hour, cram=self.cram)

    def stats(self, now: datetime | None = None, *, calibration: bool = True) -> "Stats":
        """The stats; `calibration=False` leaves out the calibration (it replays the whole log: the
        stats screen computes it in a worker thread from `calibration_input()`)."""
        from gdstudy.stats import compute_stats

        now = now or self.now()
        hour = self.settings.day_starts_at_hour
        recent = self.store.log(since=now - timedelta(days=31))
        days = [study_day(h, hour) for h in self.store.review_hours()]
        st = compute_stats(self.cards, self._states, recent, days, now, self.scheduler, hour)
        if not calibration:
            return st
        from gdstudy.optimize.calibration import calibrate

        return replace(st, calibration=calibrate(*self.calibration_input()))

    def calibration_input(self) -> tuple[list, list, Settings]:
        """What `gdstudy.optimize.calibration.calibrate` needs, read from the store (in this thread)."""
        return list(self.store.iter_reviews(kinds=None)), self.store.params_history(), self.settings

    # -- grading -------------------------------------------------------------------------------

    def preview(self, card: Card, now: datetime | None = None) -> dict[Grade, Outcome]:
        return preview(self.scheduler, card, self._states.get(card.id), now or self.now())

    def grade(self, card: Card, outcome: Outcome, now: datetime | None = None, duration_ms: int | None = None) -> int:
        """Commit `outcome` (one of `preview(card)`'s) and its log row. In cram mode only the log
        row is written. A card whose lapses reach the leech threshold is flagged and suspended
        (`state(card.id).leech`). Returns the log row id.

        Nothing changes when the commit fails (StoreError: the card can be graded again). If another
        gdstudy changed the card's stored state since it was loaded, StaleStateError is raised and
        the card's state here is reloaded: preview it again before grading."""
        now = ms_floor(now) if now else self.now()
        before = self._states.get(card.id)
        if self.cram:
            log_id = self.store.record_cram(card.id, before, int(outcome.grade), now, duration_ms)
            self._cram_queue.remove(card.id)
            if outcome.grade == Grade.AGAIN:  # see it again at the end of this cram session
                self._cram_queue.append(card.id)
            self._undo.append(_LogUndo(log_id))
            self._graded.append(log_id)
            return log_id
        after = replace(outcome.after, last_review=now)  # the logged time is the review time
        limit = self.settings.leech_threshold
        leech = limit > 0 and after.lapses >= limit and not after.leech
        if leech:
            after = replace(after, leech=True, suspended=True)
        try:
            log_id = self.store.record_review(before, after, int(outcome.grade), now, duration_ms)
        except StaleStateError:
            self._reload(card.id)
            raise
        self._states[card.id] = after
        self._undo.append(_LogUndo(log_id))
        self._graded.append(log_id)
        return log_id

    # -- bury / suspend ------------------------------------------------------------------------

    def _set_flags(self, card_id: str, what: str, **flags: object) -> None:
        before = self._states.get(card_id)
        card = self.deck.by_id.get(card_id)
        base = before or CardState(card_id, 0, None, None, None, self.now(), None,
                                   content_hash=card.content_hash if card else "")
        after = replace(base, **flags)  # type: ignore[arg-type]
        try:
            self.store.put_state(after, expected=before)
        except StaleStateError:
            self._reload(card_id)
            raise
        self._states[card_id] = after
        if self.cram and card_id in self._cram_queue and (after.suspended or after.buried_until):
            self._cram_queue.remove(card_id)
        self._undo.append(_FlagUndo(card_id, before, what))

    def bury(self, card_id: str) -> datetime:
        """Hide the card until the next study day starts; returns when it comes back."""
        until = day_start(self.now(), self.settings.day_starts_at_hour) + timedelta(days=1)
        self._set_flags(card_id, "bury", buried_until=until)
        return until

    def suspend(self, card_id: str) -> None:
        self._set_flags(card_id, "suspend", suspended=True)

    def unsuspend(self, card_id: str) -> None:
        """Back into reviews (a leech stays flagged as one, but is studied again)."""
        self._set_flags(card_id, "unsuspend", suspended=False)

    # -- undo ----------------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) or (not self.cram and self.store.last_log_id() is not None)

    def undo(self) -> Undone:
        """Undo the last action: this session's last grade (state restored, log row deleted),
        bury or suspend; with nothing left from this session, the last grade in the log (so
        quitting and reopening does not lose the chance to undo)."""
        if not self._undo:
            last = None if self.cram else self.store.last_log_id()
            if last is None:
                raise StoreError("nothing to undo")
            self._undo.append(_LogUndo(last))
        item = self._undo[-1]
        if isinstance(item, _FlagUndo):
            current = self._states.get(item.card_id)
            try:
                if item.before is None:
                    self.store.delete_state(item.card_id, expected=current)
                else:
                    self.store.put_state(item.before, expected=current)
            except StaleStateError:
                self._reload(item.card_id)
                self._undo.pop()  # the card changed elsewhere: this undo no longer applies
                raise
            self._set_state(item.card_id, item.before)
            self._undo.pop()
            if self.cram and item.card_id not in self._cram_queue:
                self._cram_queue.insert(0, item.card_id)
            return Undone(item.card_id, item.what)
        entry = self.store.undo(item.log_id)
        self._undo.pop()
        if item.log_id in self._graded:
            self._graded.remove(item.log_id)
        if self.cram:
            if entry.rating == Grade.AGAIN and self._cram_queue and self._cram_queue[-1] == entry.card_id:
                self._cram_queue.pop()
            self._cram_queue.insert(0, entry.card_id)
        else:
            self._reload(entry.card_id)
        return Undone(entry.card_id, Grade(entry.rating).label)

    def _reload(self, card_id: str) -> None:
        """Take the card's state from the database again (after an undo, or when another gdstudy
        changed it)."""
        self._set_state(card_id, self.store.state(card_id))

    def _set_state(self, card_id: str, state: CardState | None) -> None:
        if state is None:
            self._states.pop(card_id, None)
        else:
            self._states[card_id] = state
