"""Mock interview: interview-tagged cards in random order against a clock. The user types an
answer, sees the reference, and self-grades — a real review (it updates scheduling). At the end a
summary (cards, grades, time per card, weakest tags) is saved and listed by `interview history`.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gdstudy.deck import Card
from gdstudy.errors import ConfigError
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession

__all__ = ["InterviewSession", "Answer"]


@dataclass(frozen=True)
class Answer:
    card_id: str
    text: str
    grade: Grade
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "answer": self.text, "grade": int(self.grade), "seconds": round(self.seconds, 1)}


@dataclass
class InterviewSession:
    review: ReviewSession
    minutes: float = 20.0
    count: int | None = None
    seed: int | None = None
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ConfigError(f"--minutes must be positive, got {self.minutes:g}")
        if self.count is not None and self.count < 1:
            raise ConfigError(f"--count must be at least 1, got {self.count}")
        pool = [c for c in self.review.cards if c.interview and not self._suspended(c)]
        if not pool:
            tags = f" with tag {', '.join(self.review.tags)}" if self.review.tags else ""
            raise ConfigError(f"no interview cards{tags} (cards need `interview: true`)")
        random.Random(self.seed).shuffle(pool)
        self.cards: list[Card] = pool[: self.count] if self.count else pool
        self.started_at = self.review.now()
        self.deadline = self.started_at + timedelta(minutes=self.minutes)
        self.ended_at: datetime | None = None
        self.saved_id: int | None = None

    def _suspended(self, c: Card) -> bool:
        st = self.review.state(c.id)
        return st is not None and st.suspended

    # -- progress ------------------------------------------------------------------------------------

    def remaining(self, now: datetime | None = None) -> timedelta:
        return max(self.deadline - (now or self.review.now()), timedelta(0))

    @property
    def position(self) -> int:
        return len(self.answers)

    def current(self, now: datetime | None = None) -> Card | None:
        """The next card, or None when all are answered or the time is up."""
        if self.ended_at is not None or self.remaining(now) <= timedelta(0):
            return None
        return self.cards[self.position] if self.position < len(self.cards) else None

    def submit(self, card: Card, text: str, grade: Grade, seconds: float) -> None:
        """Self-grade the current card: this is a real review (FSRS state and log are updated)."""
        outcomes = self.review.preview(card)
        self.review.grade(card, outcomes[grade], duration_ms=int(seconds * 1000))
        self.answers.append(Answer(card.id, text, grade, seconds))

    # -- the end -------------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        grades = {g.label: sum(a.grade == g for a in self.answers) for g in Grade}
        by_tag: dict[str, list[int]] = defaultdict(list)
        for a in self.answers:
            for t in self.review.deck.by_id[a.card_id].tags:
                by_tag[t].append(int(a.grade))
        weakest = sorted(by_tag.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), -len(kv[1]), kv[0]))
        n = len(self.answers)
        return {
            "cards": len(self.cards),
            "answered": n,
            "minutes": self.minutes,
            "grades": grades,
            "mean_seconds": round(sum(a.seconds for a in self.answers) / n, 1) if n else None,
            "weakest_tags": [{"tag": t, "mean_grade": round(sum(v) / len(v), 2), "cards": len(v)} for t, v in weakest[:5]],
            "answers": [a.to_dict() for a in self.answers],
            "tags": list(self.review.tags),
        }

    def finish(self, now: datetime | None = None) -> dict[str, Any]:
        """End the session and save its summary (once)."""
        if self.ended_at is None:
            self.ended_at = now or self.review.now()
            self.saved_id = self.review.store.save_interview(self.started_at, self.ended_at, self.summary())
        return self.summary()
