"""A review session: the deck, the store and the settings, with the clock passed in.

The TUI is a thin view over this; tests and benchmarks drive it directly. Every grade is committed
to SQLite (its own transaction) before `grade()` returns, so the next card is only ever shown after
the previous grade is on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from gdstudy.config import Settings
from gdstudy.deck import Card, Deck
from gdstudy.errors import StoreError
from gdstudy.scheduling import Counts, Grade, Outcome, Queue, build_queue, make_scheduler, next_due, preview
from gdstudy.store import CardState, Store
from gdstudy.timeutil import day_start, ensure_utc, utcnow

__all__ = ["ReviewSession", "Undone"]


@dataclass(frozen=True)
class Undone:
    card_id: str
    grade: Grade


@dataclass
class ReviewSession:
    deck: Deck
    store: Store
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    _undo: list[int] = field(default_factory=list)
    _states: dict[str, CardState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scheduler = make_scheduler(self.settings)
        self._states = self.store.states()

    def now(self) -> datetime:
        return ensure_utc(self.clock())

    # -- queue -------------------------------------------------------------------------------------

    def queue(self, now: datetime | None = None) -> Queue:
        now = now or self.now()
        done = self.store.count_log(since=day_start(now, self.settings.day_starts_at_hour))
        return build_queue(self.deck.cards, self._states, now, self.settings, done)

    def counts(self, now: datetime | None = None) -> Counts:
        return self.queue(now).counts

    def next_card(self, now: datetime | None = None) -> Card | None:
        cid = self.queue(now).next
        return self.deck.by_id[cid] if cid else None

    def state(self, card_id: str) -> CardState | None:
        return self._states.get(card_id)

    def is_edited(self, card: Card) -> bool:
        st = self._states.get(card.id)
        return st is not None and st.content_hash != card.content_hash

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """When something is next due: a scheduled card, or tomorrow's new cards if any are left."""
        now = now or self.now()
        times = [t for t in [next_due(self.deck.cards, self._states, now)] if t]
        if any(c.id not in self._states for c in self.deck.cards) and self.settings.new_per_day > 0:
            times.append(day_start(now, self.settings.day_starts_at_hour) + timedelta(days=1))
        return min(times) if times else None

    # -- grading -------------------------------------------------------------------------------

    def preview(self, card: Card, now: datetime | None = None) -> dict[Grade, Outcome]:
        return preview(self.scheduler, card, self._states.get(card.id), now or self.now())

    def grade(self, card: Card, outcome: Outcome, now: datetime | None = None, duration_ms: int | None = None) -> int:
        """Commit `outcome` (one of `preview(card)`'s) and its log row; returns the log id."""
        now = now or self.now()
        before = self._states.get(card.id)
        log_id = self.store.record_review(before, outcome.after, int(outcome.grade), now, duration_ms)
        self._states[card.id] = outcome.after
        self._undo.append(log_id)
        return log_id

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> Undone:
        """Undo this session's last grade: restore the card's state and delete its log row."""
        if not self._undo:
            raise StoreError("nothing to undo in this session")
        entry = self.store.undo(self._undo[-1])
        self._undo.pop()
        if entry.state_before is None:
            self._states.pop(entry.card_id, None)
        else:
            self._states[entry.card_id] = entry.state_before
        return Undone(entry.card_id, Grade(entry.rating))
