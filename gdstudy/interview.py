"""Mock interview: interview-tagged cards in random order against a clock. The user types an
answer, sees the reference, and self-grades. At the end a summary (cards, grades, time per card,
weakest tags, every typed answer — also one typed when time ran out before it was revealed — and
the cards never reached) is saved, unless nothing at all was answered; `interview history` lists them and
`interview history N` shows each answer beside the reference.

Day's rules: suspended and buried cards are never asked. By default a self-grade is *practice*:
logged like a cram review, scheduling untouched, so a mock interview never pulls new cards in
past the day's limit or reschedules a card early. With `schedule=True` (`--schedule`) grades are
real reviews (FSRS state and log updated) and new cards are asked only within today's remaining
new-card limit.
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

__all__ = ["InterviewSession", "Answer", "render_interview", "grade_label", "unfinished", "mix_decks"]


@dataclass(frozen=True)
class Answer:
    """A typed answer; `grade` None: the time ran out before it was revealed and self-graded."""

    card_id: str
    text: str
    grade: Grade | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "answer": self.text, "grade": None if self.grade is None else int(self.grade), "seconds": round(self.seconds, 1)}


def mix_decks(cards: list[Card]) -> list[Card]:
    """Interleave the two shipped decks (the notes' and beyond-the-notes) in proportion, keeping
    each deck's order: any first k cards hold each deck's share of k, rounded (so a 10-question
    interview from both decks asks from both whenever each has at least 5 % of the cards)."""
    from gdstudy.deckselect import deck_group

    groups: dict[str, list[Card]] = {}
    for c in cards:
        groups.setdefault(deck_group(c), []).append(c)
    if len(groups) < 2:
        return list(cards)
    n = len(cards)
    taken = {g: 0 for g in groups}
    out: list[Card] = []
    for k in range(1, n + 1):  # the group furthest behind its share k·n_g/n goes next
        g = max((g for g in groups if taken[g] < len(groups[g])),
                key=lambda g: (k * len(groups[g]) / n - taken[g], len(groups[g])))
        out.append(groups[g][taken[g]])
        taken[g] += 1
    return out


@dataclass
class InterviewSession:
    review: ReviewSession
    minutes: float = 20.0
    count: int | None = None
    seed: int | None = None
    schedule: bool = False  # True: self-grades are real reviews (see the module docstring)
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ConfigError(f"--minutes must be positive, got {self.minutes:g}")
        if self.count is not None and self.count < 1:
            raise ConfigError(f"--count must be at least 1, got {self.count}")
        pool = [c for c in self.review.cards if c.interview and self._allowed(c)]
        random.Random(self.seed).shuffle(pool)
        pool = mix_decks(pool)
        if self.schedule:  # new cards only within what is left of today's new-card limit
            room = len(self.review.today().new)
            pool = [c for c in pool if not self._is_new(c) or (room := room - 1) >= 0]
        if not pool:
            tags = f" with tag {', '.join(self.review.tags)}" if self.review.tags else ""
            why = " available today (suspended, buried or past the new-card limit)" if any(
                c.interview for c in self.review.cards) else " (cards need `interview: true`)"
            raise ConfigError(f"no interview cards{tags}{why}")
        self.cards: list[Card] = pool[: self.count] if self.count else pool
        self.started_at = self.review.now()
        self.deadline = self.started_at + timedelta(minutes=self.minutes)
        self.ended_at: datetime | None = None
        self.saved_id: int | None = None

    def _allowed(self, c: Card) -> bool:
        """Not suspended and not buried (the day's rules hold in a mock interview too)."""
        st = self.review.state(c.id)
        return st is None or not (st.suspended or (st.buried_until is not None and st.buried_until > self.review.now()))

    def _is_new(self, c: Card) -> bool:
        st = self.review.state(c.id)
        return st is None or st.is_new

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
        """Self-grade the current card: a real review with `schedule`, else practice (logged as
        a cram review; the card's scheduling is unchanged)."""
        duration_ms = int(seconds * 1000)
        if self.schedule:
            self.review.grade(card, self.review.preview(card)[grade], duration_ms=duration_ms)
        else:
            self.review.store.record_cram(card.id, self.review.state(card.id), int(grade), self.review.now(), duration_ms)
        self.answers.append(Answer(card.id, text, grade, seconds))

    def time_up(self, text: str, seconds: float) -> None:
        """The time ran out on the current card before it was revealed: keep what was typed
        (ungraded; nothing is logged as a review). Nothing typed: the card counts as not reached."""
        card = self.cards[self.position] if self.position < len(self.cards) else None
        if card is not None and text.strip() and self.ended_at is None:
            self.answers.append(Answer(card.id, text.strip(), None, seconds))

    # -- the end -------------------------------------------------------------------------------------

    @property
    def graded(self) -> list[Answer]:
        return [a for a in self.answers if a.grade is not None]

    def summary(self) -> dict[str, Any]:
        graded = self.graded
        grades = {g.label: sum(a.grade == g for a in graded) for g in Grade}
        by_tag: dict[str, list[int]] = defaultdict(list)
        for a in graded:
            for t in self.review.deck.by_id[a.card_id].tags:
                by_tag[t].append(int(a.grade))  # type: ignore[arg-type]
        weakest = sorted(by_tag.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), -len(kv[1]), kv[0]))
        n = len(graded)
        return {
            "cards": len(self.cards),
            "answered": n,
            "time_up": len(self.answers) - n,
            "minutes": self.minutes,
            "grades": grades,
            "mean_seconds": round(sum(a.seconds for a in graded) / n, 1) if n else None,
            "weakest_tags": [{"tag": t, "mean_grade": round(sum(v) / len(v), 2), "cards": len(v)} for t, v in weakest[:5]],
            "answers": [a.to_dict() for a in self.answers],
            "not_reached": [c.id for c in self.cards[len(self.answers):]],
            "tags": list(self.review.tags),
            "scheduled": self.schedule,
        }

    def finish(self, now: datetime | None = None) -> dict[str, Any]:
        """End the session and save its summary (once), unless nothing was answered or typed
        (then `saved_id` stays None: an interview that did not happen is not history). A
        StoreError leaves the session open, so finishing again retries the save."""
        if self.ended_at is None:
            ended = now or self.review.now()
            self.ended_at = ended
            if self.answers:
                try:
                    self.saved_id = self.review.store.save_interview(self.started_at, ended, self.summary())
                except BaseException:
                    self.ended_at = None
                    raise
        return self.summary()


def _printable(s: str) -> str:
    """Typed answers come back from the database: no control character reaches the terminal."""
    return "".join(ch if ch in "\n\t" or (ch.isprintable()) else "�" for ch in s)


def render_interview(number: int, started: datetime, ended: datetime, summary: dict[str, Any], deck: Any) -> str:
    """One saved interview as plain text: each question, the typed answer, then the reference."""
    mins = (ended - started).total_seconds() / 60
    how = "real reviews" if summary.get("scheduled", True) else "practice (scheduling unchanged)"
    grades = "  ".join(f"{k} {v}" for k, v in summary["grades"].items())
    out = [f"interview #{number}  {started.astimezone():%Y-%m-%d %H:%M}  {mins:.1f} min  "
           f"{summary['answered']}/{summary['cards']} cards{unfinished(summary)}  — {how}", f"grades: {grades}", ""]
    for k, a in enumerate(summary["answers"], 1):
        card = deck.by_id.get(a["card_id"])
        label = grade_label(a["grade"])
        out.append(f"Q{k}. [{a['card_id']} · {label} · {a['seconds']:.0f} s]")
        out.append(_indent(card.front if card else "(this card is no longer in the deck)"))
        out.append("  your answer:")
        out.append(_indent(_printable(a["answer"]) or "(no answer typed)", 4))
        out.append("  reference:")
        out.append(_indent(card.back if card else "—", 4))
        out.append("")
    if not summary["answers"]:
        out.append("no card was answered")
    missed = summary.get("not_reached") or []
    if missed:
        out.append(f"not reached ({len(missed)}): " + ", ".join(missed))
    return "\n".join(out).rstrip()


def grade_label(grade: int | None) -> str:
    """A saved answer's grade as a word: None is an answer the time ran out on."""
    return "time up" if grade is None else Grade(grade).label


def unfinished(summary: dict[str, Any]) -> str:
    """', 1 time up, 2 not reached' for a saved summary (older ones have neither)."""
    parts = [f"{n} {what}" for what, n in (("time up", summary.get("time_up", 0)),
                                           ("not reached", len(summary.get("not_reached") or []))) if n]
    return "".join(", " + p for p in parts)


def _indent(text: str, n: int = 2) -> str:
    return "\n".join(" " * n + line for line in text.strip().splitlines())
