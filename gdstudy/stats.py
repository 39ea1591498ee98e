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

__all__ = ["Stats", "TagRecall", "RECALL_NOW", "compute_stats", "study_day", "streak"]

FORECAST_DAYS = 14
RETENTION_DAYS = 30


# The one definition of the per-tag number, shown under its table in `gdstudy stats` and the stats
# screen, and documented for `tags[].recall_now` in `--json` (docs/scheduling.md).
RECALL_NOW = "recall now = FSRS's predicted P(recall) now, mean over studied cards"


@dataclass(frozen=True)
class TagRecall:
    tag: str
    cards: int
    studied: int  # cards of the tag reviewed at least once
    recall_now: float | None  # RECALL_NOW; None when no card of the tag has been studied

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "cards": self.cards, "studied": self.studied, "recall_now": self.recall_now}


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
    tags: list[TagRecall] = field(default_factory=list)  # weakest recall first, unstudied tags last
    calibration: "Calibration | None" = None  # predicted vs actual recall (gdstudy.optimize.calibration)

    def broad_tags(self, min_cards: int = 3) -> list[TagRecall]:
        """Tags on at least `min_cards` cards (all tags if none is that broad), weakest recall
        first, tags with no studied card last."""
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
        tags=_recall_by_tag(cards, states, now, scheduler),
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


def _recall_by_tag(cards: list[Card], states: Mapping[str, CardState], now: datetime,
                   scheduler: "Scheduler") -> list[TagRecall]:
    """RECALL_NOW per tag, weakest first; tags with no studied card last (by name)."""
    recalls: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for c in cards:
        st = states.get(c.id)
        studied = st is not None and not st.is_new
        r = 0.0
        if studied and st.stability:
            r = scheduler.get_card_retrievability(_to_fsrs(c.id, st, now), current_datetime=now)
        for t in c.tags:
            counts[t] += 1
            if studied:
                recalls[t].append(r)
    out = [TagRecall(t, n, len(recalls[t]), sum(recalls[t]) / len(recalls[t]) if recalls[t] else None)
           for t, n in counts.items()]
    return sorted(out, key=lambda m: (m.recall_now is None, m.recall_now or 0.0, m.tag))
