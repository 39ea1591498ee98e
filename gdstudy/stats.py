"""Study statistics, computed from the deck, the card states and the review log at a given time.

Pure: `compute_stats(...)` takes `now`; the CLI (`gdstudy stats`) and the TUI (`s`) render it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from gdstudy.deck import Card
from gdstudy.scheduling import _to_fsrs, state_name
from gdstudy.store import CardState, LogEntry
from gdstudy.timeutil import day_start, ensure_utc, streak, study_day

if TYPE_CHECKING:
    from fsrs import Scheduler

    from gdstudy.optimize.calibration import Calibration

__all__ = ["Stats", "TagMastery", "compute_stats", "study_day", "streak"]

FORECAST_DAYS = 14
RETENTION_DAYS = 30


@dataclass(frozen=True)
class TagMastery:
    tag: str
    cards: int
    studied: int
    mastery: float  # mean recall probability now over the tag's cards; a new card counts 0

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "cards": self.cards, "studied": self.studied, "mastery": self.mastery}


@dataclass(frozen=True)
class Stats:
    by_state: dict[str, int]
    reviews_today: int
    cram_today: int
    retention: float | None  # true retention over the last 30 days (review-state cards)
    retention_reviews: int
    cram_last_30d: int
    forecast: list[tuple[date, int]] = field(default_factory=list)
    streak: int = 0
    tags: list[TagMastery] = field(default_factory=list)
    calibration: "Calibration | None" = None  # predicted vs actual recall (gdstudy.optimize.calibration)

    def broad_tags(self, min_cards: int = 3) -> list[TagMastery]:
        """Tags on at least `min_cards` cards (all tags if none is that broad), weakest first."""
        return [t for t in self.tags if t.cards >= min_cards] or self.tags

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_state": self.by_state, "reviews_today": self.reviews_today, "cram_today": self.cram_today,
            "retention": self.retention, "retention_reviews": self.retention_reviews,
            "cram_last_30d": self.cram_last_30d,
            "forecast": [(d.isoformat(), n) for d, n in self.forecast],
            "streak": self.streak, "tags": [t.to_dict() for t in self.tags],
            "calibration": self.calibration.to_dict() if self.calibration else None,
        }


def compute_stats(
    cards: list[Card],
    states: Mapping[str, CardState],
    recent_log: Iterable[LogEntry],
    review_days: Iterable[date],
    now: datetime,
    scheduler: "Scheduler",
    day_hour: int = 4,
) -> Stats:
    """`recent_log`: log entries of (at least) the last 30 days; `review_days`: every study day
    with a review, for the streak."""
    now = ensure_utc(now)
    today_start = day_start(now, day_hour)
    since_30 = now - timedelta(days=RETENTION_DAYS)

    by_state: Counter[str] = Counter({k: 0 for k in ("new", "learning", "review", "relearning")})
    flags: Counter[str] = Counter({k: 0 for k in ("suspended", "buried", "leech")})
    for c in cards:
        st = states.get(c.id)
        by_state[state_name(st)] += 1
        if st is not None:
            flags["suspended"] += st.suspended
            flags["leech"] += st.leech
            flags["buried"] += bool(st.buried_until and st.buried_until > now)

    reviews_today = cram_today = cram_30 = kept = judged = 0
    for e in recent_log:
        if e.reviewed_at < since_30:
            continue
        if e.kind == "cram":
            cram_30 += 1
            cram_today += e.reviewed_at >= today_start
            continue
        reviews_today += e.reviewed_at >= today_start
        if e.state_before == 2:  # a real recall test (the card was in review state)
            judged += 1
            kept += e.rating > 1

    forecast = _forecast(cards, states, now, day_hour)
    return Stats(
        by_state={**by_state, **flags},
        reviews_today=reviews_today,
        cram_today=cram_today,
        retention=kept / judged if judged else None,
        retention_reviews=judged,
        cram_last_30d=cram_30,
        forecast=forecast,
        streak=streak(review_days, study_day(now, day_hour)),
        tags=_mastery(cards, states, now, scheduler),
    )


def _forecast(cards: list[Card], states: Mapping[str, CardState], now: datetime, hour: int) -> list[tuple[date, int]]:
    """Cards due on each of the next 14 study days; day 0 includes everything overdue."""
    today = study_day(now, hour)
    days = [today + timedelta(days=i) for i in range(FORECAST_DAYS)]
    counts = dict.fromkeys(days, 0)
    for c in cards:
        st = states.get(c.id)
        if st is None or st.is_new or st.suspended:
            continue
        d = max(study_day(st.due, hour), today)
        if d in counts:
            counts[d] += 1
    return [(d, counts[d]) for d in days]


def _mastery(cards: list[Card], states: Mapping[str, CardState], now: datetime, scheduler: "Scheduler") -> list[TagMastery]:
    acc: dict[str, list[float]] = defaultdict(list)
    studied: Counter[str] = Counter()
    for c in cards:
        st = states.get(c.id)
        r = 0.0
        if st is not None and not st.is_new and st.stability:
            r = scheduler.get_card_retrievability(_to_fsrs(c.id, st, now), current_datetime=now)
        for t in c.tags:
            acc[t].append(r)
            studied[t] += st is not None and not st.is_new
    out = [TagMastery(t, len(v), studied[t], sum(v) / len(v)) for t, v in acc.items()]
    return sorted(out, key=lambda m: (m.mastery, m.tag))
