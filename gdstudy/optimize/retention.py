"""Desired-retention sweep: fsrs-rs' simulator run for retentions 0.70..0.97 with the parameters
in force; the recommendation is the retention with the least review time per remembered card.

Every retention is simulated with the same seed (common random numbers), on the same simulated
deck and year. Answer times and grade frequencies come from the user's own log when it has enough
of them (>= MIN_FOR_COSTS reviews of a kind), else the simulator's defaults (Anki users' means).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from gdstudy.optimize.engine import engine, guarded
from gdstudy.optimize.items import SCHEDULED_KINDS, LoggedReview

__all__ = ["RETENTIONS", "RetentionPoint", "Sweep", "sweep", "user_behaviour"]

RETENTIONS: tuple[float, ...] = tuple(round(0.70 + 0.01 * i, 2) for i in range(28))  # 0.70 .. 0.97
MIN_FOR_COSTS = 50
DECK_SIZE = 5000
LEARN_SPAN = 365  # days


@dataclass(frozen=True)
class RetentionPoint:
    retention: float
    minutes_per_day: float
    reviews_per_day: float
    remembered: float  # cards remembered at the end (sum of retrievabilities)
    seconds_per_remembered: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Sweep:
    points: list[RetentionPoint]
    best: RetentionPoint
    config: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"recommended": self.best.retention, "points": [p.to_dict() for p in self.points],
                "config": self.config, "seconds": round(self.seconds, 3)}


def user_behaviour(rows: Iterable[LoggedReview]) -> dict[str, Any]:
    """Median answer seconds by (learning/review/relearning, grade) and grade frequencies, from the log
    where there are enough reviews; {} entries mean 'simulator default'."""
    times: dict[tuple[int, int], list[float]] = defaultdict(list)
    first: list[int] = []
    success: list[int] = []
    for r in rows:
        if r.kind not in SCHEDULED_KINDS:
            continue
        if r.state_before == 0:
            first.append(r.rating)
        elif r.state_before == 2 and r.rating > 1:
            success.append(r.rating)
        d = getattr(r, "duration_ms", None)
        if d is not None and 0 < d < 10 * 60_000:  # an answer left open for 10 minutes is not a cost
            row = {0: 0, 1: 0, 2: 1, 3: 2}[r.state_before]
            times[(row, r.rating)].append(d / 1000)
    out: dict[str, Any] = {}
    if len(first) >= MIN_FOR_COSTS:
        out["first_rating_prob"] = [first.count(g) / len(first) for g in (1, 2, 3, 4)]
    if len(success) >= MIN_FOR_COSTS:
        out["review_rating_prob"] = [success.count(g) / len(success) for g in (2, 3, 4)]
    costs = {k: statistics.median(v) for k, v in times.items() if len(v) >= MIN_FOR_COSTS}
    if costs:
        out["costs"] = {f"{k[0]}:{k[1]}": v for k, v in costs.items()}
    return out


def _config(behaviour: dict[str, Any], new_per_day: int) -> Any:
    f = engine()
    c = f.default_simulator_config()
    c.deck_size = DECK_SIZE
    c.learn_span = LEARN_SPAN
    c.learn_limit = max(1, new_per_day)
    if "first_rating_prob" in behaviour and min(behaviour["first_rating_prob"]) > 0:
        c.first_rating_prob = behaviour["first_rating_prob"]
    if "review_rating_prob" in behaviour and min(behaviour["review_rating_prob"]) > 0:
        c.review_rating_prob = behaviour["review_rating_prob"]
    if "costs" in behaviour:
        table = [list(row) for row in c.state_rating_costs]
        for key, v in behaviour["costs"].items():
            row, grade = map(int, key.split(":"))
            table[row][grade - 1] = float(v)
        c.state_rating_costs = table
    return c


def sweep(
    params: Sequence[float],
    *,
    behaviour: dict[str, Any] | None = None,
    new_per_day: int = 20,
    retentions: Sequence[float] | None = None,  # None: RETENTIONS
    seed: int = 42,
) -> Sweep:
    t0 = time.perf_counter()
    retentions = RETENTIONS if retentions is None else retentions
    f = engine()
    config = _config(behaviour or {}, new_per_day)
    points = []
    for r in retentions:
        with guarded(f"simulate retention {r:.2f}"):
            res = f.simulate(list(params), float(r), config, seed)
        cost = sum(res.cost_per_day)
        remembered = float(res.memorized_cnt_per_day[-1])
        days = len(res.cost_per_day)
        points.append(RetentionPoint(
            retention=float(r), minutes_per_day=cost / 60 / days, reviews_per_day=sum(res.review_cnt_per_day) / days,
            remembered=remembered, seconds_per_remembered=cost / remembered if remembered else float("inf"),
        ))
    best = min(points, key=lambda p: p.seconds_per_remembered)
    info = {"deck_size": DECK_SIZE, "days": LEARN_SPAN, "new_per_day": config.learn_limit,
            "from_your_log": sorted(k for k in (behaviour or {}))}
    return Sweep(points, best, info, time.perf_counter() - t0)
