"""Scheduling: FSRS-6 through py-fsrs, as pure functions of (state, rating, now).

No clock reads here: `now` is always passed in (timezone-aware UTC). Fuzz draws from the
module-level `random`, so the four outcomes of a card are computed once (`preview`) and the one the
user picks is the one applied — the interval on the button is the interval you get.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from gdstudy.config import Settings
from gdstudy.deck import Card
from gdstudy.store import CardState
from gdstudy.timeutil import day_start, ensure_utc, format_interval

if TYPE_CHECKING:  # fsrs is imported when a card is first graded or previewed, not at start-up
    from fsrs import Card as FsrsCard
    from fsrs import Scheduler

REVIEW = 2  # fsrs.State.Review (learning 1, relearning 3; gdstudy uses 0 for a flag-only new row)

__all__ = [
    "Grade", "Outcome", "Counts", "Queue", "fsrs_id", "make_scheduler", "preview",
    "build_queue", "next_due", "next_due_card", "state_name", "card_flags", "Today", "due_today",
]


class Grade(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


def fsrs_id(slug: str) -> int:
    """Stable positive 63-bit integer id for py-fsrs, derived from the card slug."""
    return int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big") >> 1


def make_scheduler(
    settings: Settings, parameters: Sequence[float] | None = None, desired_retention: float | None = None,
    fuzz: bool | None = None,
) -> "Scheduler":
    """py-fsrs with the settings; `parameters`: the 21 FSRS-6 weights (None = the defaults, e.g.
    before `gdstudy optimize`); `desired_retention` and `fuzz` override the settings' ones."""
    from fsrs import Scheduler

    extra = {"parameters": usable_parameters(parameters)} if parameters else {}
    return Scheduler(
        **extra,
        desired_retention=desired_retention if desired_retention is not None else settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=settings.enable_fuzz if fuzz is None else fuzz,
    )


class ReplaySchedulers:
    """py-fsrs schedulers by parameter set, fuzz off (for replaying a logged history: the same
    reviews must give the same states), one per distinct set."""

    def __init__(self, settings: Settings, desired_retention: float | None = None) -> None:
        self.settings, self.retention = settings, desired_retention
        self._by_params: dict[tuple[float, ...], "Scheduler"] = {}

    def scheduler(self, params: Sequence[float]) -> "Scheduler":
        key = tuple(params)
        if key not in self._by_params:
            self._by_params[key] = make_scheduler(self.settings, key or None, self.retention, fuzz=False)
        return self._by_params[key]


def usable_parameters(parameters: Sequence[float]) -> tuple[float, ...]:
    """The 21 FSRS-6 weights inside py-fsrs' bounds (fsrs-rs fits in float32: a weight at a bound
    can come back a hair outside it, which py-fsrs refuses). Anything that is not 21 finite
    numbers gives the defaults."""
    from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    try:
        values = [float(x) for x in parameters]
    except (TypeError, ValueError):
        return tuple(DEFAULT_PARAMETERS)
    if len(values) != len(LOWER_BOUNDS_PARAMETERS) or not all(math.isfinite(v) for v in values):
        return tuple(DEFAULT_PARAMETERS)
    return tuple(min(max(v, lo), hi) for v, lo, hi in zip(values, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS))


def state_name(state: CardState | None) -> str:
    if state is None:
        return "new"
    return {0: "new", 1: "learning", 2: "review", 3: "relearning"}[state.state]


def card_flags(card: Card, state: CardState | None, now: datetime, today: "Today | None" = None) -> frozenset[str]:
    """What a card is right now, for the list and browser filters: its state name, plus `due`
    (in today's study plan: see `due_today`; without `today`, due by its own date and not hidden),
    `edited` (text changed since its last review), `suspended`, `buried` and `leech`."""
    flags = {state_name(state)}
    if today is not None:
        if card.id in today.ids:
            flags.add("due")
    elif _available(state, now) and (state is None or state.is_new or state.due <= now):
        flags.add("due")
    if state is not None:
        if not state.is_new and state.content_hash != card.content_hash:
            flags.add("edited")
        flags.update(f for f in ("suspended", "leech") if getattr(state, f))
        if _buried(state, now):
            flags.add("buried")
    return frozenset(flags)


def _to_fsrs(card_id: str, state: CardState | None, now: datetime) -> "FsrsCard":
    from fsrs import Card as FsrsCard
    from fsrs import State

    if state is None or state.is_new:  # py-fsrs has no New state: a fresh Card is Learning, step 0
        return FsrsCard(card_id=fsrs_id(card_id), due=now)
    return FsrsCard(
        card_id=fsrs_id(card_id), state=State(state.state), step=state.step,
        stability=state.stability, difficulty=state.difficulty,
        due=state.due, last_review=state.last_review,
    )


@dataclass(frozen=True)
class Outcome:
    grade: Grade
    after: CardState
    interval: timedelta

    @property
    def interval_text(self) -> str:
        return format_interval(self.interval)


def preview(
    scheduler: "Scheduler", card: Card, state: CardState | None, now: datetime
) -> dict[Grade, Outcome]:
    """The four possible results of grading `card` at `now`, each computed exactly once."""
    from fsrs import Rating

    now = ensure_utc(now)
    fc = _to_fsrs(card.id, state, now)
    out = {}
    for g in Grade:
        new, _log = scheduler.review_card(fc, Rating(int(g)), review_datetime=now)
        lapsed = state is not None and state.state == REVIEW and g == Grade.AGAIN
        base = state or CardState(card.id, 1, 0, None, None, now, None)
        after = replace(
            base,
            state=int(new.state), step=new.step, stability=new.stability, difficulty=new.difficulty,
            due=new.due, last_review=new.last_review,
            reps=base.reps + 1, lapses=base.lapses + int(lapsed),
            content_hash=card.content_hash,  # the user has now seen this version of the text
        )
        out[g] = Outcome(g, after, new.due - now)
    return out


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class Queue:
    """What to study now, in order: due (re)learning, due reviews, then new cards."""

    card_ids: tuple[str, ...]
    counts: Counts

    @property
    def next(self) -> str | None:
        return self.card_ids[0] if self.card_ids else None


def _buried(state: CardState | None, now: datetime) -> bool:
    return state is not None and state.buried_until is not None and state.buried_until > now


def _available(state: CardState | None, now: datetime) -> bool:
    return state is None or not (state.suspended or _buried(state, now))


@dataclass(frozen=True)
class Today:
    """Today's study plan, counted like Anki: the (re)learning cards due before the day rolls over
    (by due time), the reviews due today up to the remaining review limit (most overdue first),
    the new cards up to the remaining new-card limit (deck order). Suspended and buried cards are
    never in it. The header, `cards list --state due`, the browser's due filter and the stats
    screen all read this one plan."""

    learning: tuple[tuple[datetime, str], ...]
    review: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def counts(self) -> Counts:
        return Counts(new=len(self.new), learning=len(self.learning), review=len(self.review))

    @property
    def ids(self) -> frozenset[str]:
        return frozenset([*(c for _, c in self.learning), *self.review, *self.new])


def due_today(
    cards: Iterable[Card],
    states: Mapping[str, CardState],
    now: datetime,
    settings: Settings,
    done_today: Mapping[str, int] | None = None,
) -> Today:
    """`done_today` counts today's reviews by the card's state before them ('new', 'review'), so
    the daily limits hold across sessions."""
    now = ensure_utc(now)
    done = done_today or {}
    day_end = day_start(now, settings.day_starts_at_hour) + timedelta(days=1)
    learning, reviews, new = [], [], []
    for card in cards:
        st = states.get(card.id)
        if not _available(st, now):
            continue
        if st is None or st.is_new:
            new.append(card.id)
        elif st.due < day_end:
            (reviews if st.state == REVIEW else learning).append((st.due, card.id))
    reviews = sorted(reviews)[: max(0, settings.max_reviews_per_day - done.get("review", 0))]
    new = new[: max(0, settings.new_per_day - done.get("new", 0))]
    return Today(tuple(sorted(learning)), tuple(c for _, c in reviews), tuple(new))


def build_queue(
    cards: Iterable[Card],
    states: Mapping[str, CardState],
    now: datetime,
    settings: Settings,
    done_today: Mapping[str, int] | None = None,
) -> Queue:
    """What to show now, in order: (re)learning cards that are due, reviews that are due, today's
    new cards; with nothing else left, learning cards due within the learn-ahead window (as Anki
    does). A card is shown only once its due time has come; the counts are today's plan
    (`due_today`), so a learning card waiting for its 1-minute step, or a review due this
    evening, is already counted."""
    now = ensure_utc(now)
    today = due_today(cards, states, now, settings, done_today)
    horizon = now + timedelta(minutes=settings.learn_ahead_minutes)
    order = ([c for due, c in today.learning if due <= now]
             + [c for c in today.review if states[c].due <= now] + list(today.new))
    if not order:
        order = [c for due, c in today.learning if due <= horizon]
    return Queue(tuple(order), today.counts)


def next_due(cards: Iterable[Card], states: Mapping[str, CardState], now: datetime) -> datetime | None:
    """When the next card becomes due (ignores daily limits), or None if nothing is scheduled."""
    first = next_due_card(cards, states, now)
    return first[0] if first else None


def next_due_card(cards: Iterable[Card], states: Mapping[str, CardState], now: datetime) -> tuple[datetime, str] | None:
    """The scheduled card that comes due first, and when (ignores daily limits)."""
    times = []
    for card in cards:
        st = states.get(card.id)
        if st is None or st.is_new:
            continue  # new cards are due when the daily limit allows, not at a time
        if _available(st, now):
            times.append((st.due, card.id))
        elif st.buried_until and not st.suspended:
            times.append((max(st.due, st.buried_until), card.id))
    return min(times) if times else None
