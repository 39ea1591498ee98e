"""The user's own deck as the starting point of the retention simulation (pure: no fsrs-rs import).

`sim_deck(card_ids, states, now, settings)` takes the cards of the loaded decks and their stored
states and gives what the simulator starts from:
- a never-reviewed card is *new*: the simulator introduces it at `new_per_day` a day;
- a reviewed card (review, learning or relearning) starts with its stored stability and
  difficulty, its last review and due date as study days relative to today (an overdue card is
  due today), and its lapses. A learning card's remaining same-day steps are not simulated: it is
  reviewed on its due day like a review card (approximation);
- a suspended card is left out (it is never shown); orphans (history but in no deck) are not in
  the loaded decks and are left out too. A buried card is simulated as due.

Days are study days (rolling over at `day_starts_at_hour`, local time), as everywhere in gdstudy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from gdstudy.timeutil import study_day

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.store import CardState

__all__ = ["StartCard", "SimDeck", "sim_deck"]


@dataclass(frozen=True)
class StartCard:
    """A reviewed card's starting state, in days relative to today's study day (day 0)."""

    stability: float
    difficulty: float
    last_day: int  # <= 0: the study day of its last review
    due_day: int  # >= 0: the study day it is due (an overdue card: 0)
    lapses: int


@dataclass(frozen=True)
class SimDeck:
    reviewed: tuple[StartCard, ...]
    new: int
    suspended: int = 0  # left out
    learning: int = 0  # of `reviewed`: in learning/relearning steps (their steps are not simulated)
    limits: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.reviewed) + self.new

    def describe(self) -> dict[str, Any]:
        return {"cards": self.size, "reviewed": len(self.reviewed), "new": self.new,
                "suspended_left_out": self.suspended, "in_learning_steps": self.learning}


def _usable(st: "CardState") -> bool:
    s, d = st.stability, st.difficulty
    return (st.state != 0 and st.last_review is not None and isinstance(s, (int, float)) and s > 0
            and isinstance(d, (int, float)) and d == d and s == s and s != float("inf"))


def sim_deck(card_ids: Iterable[str], states: Mapping[str, "CardState"], now: datetime, settings: "Settings") -> SimDeck:
    hour = settings.day_starts_at_hour
    today = study_day(now, hour)
    reviewed: list[StartCard] = []
    new = suspended = learning = 0
    for cid in dict.fromkeys(card_ids):  # a card listed twice is one card
        st = states.get(cid)
        if st is not None and st.suspended:
            suspended += 1
        elif st is None or st.last_review is None or not _usable(st):
            new += 1  # never reviewed (or a flag-only row)
        else:
            last = (study_day(st.last_review, hour) - today).days
            due = (study_day(st.due, hour) - today).days
            reviewed.append(StartCard(float(st.stability), min(max(float(st.difficulty), 1.0), 10.0),  # type: ignore[arg-type]
                                      min(last, 0), max(due, 0), int(st.lapses)))
            learning += st.state in (1, 3)
    limits = {"new_per_day": settings.new_per_day, "reviews_per_day": settings.max_reviews_per_day,
              "leech_suspends_after": settings.leech_threshold or None, "maximum_interval": settings.maximum_interval,
              "learning_steps": len(settings.learning_steps), "relearning_steps": len(settings.relearning_steps)}
    return SimDeck(tuple(reviewed), new, suspended, learning, limits)
