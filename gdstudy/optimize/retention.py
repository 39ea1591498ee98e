"""Desired-retention sweep: fsrs-rs' simulator run for retentions 0.70..0.97 with the parameters
in force; the recommendation is the retention with the least review time per remembered card.

With `deck` (a `simdeck.SimDeck`: what `gdstudy optimize --retention` passes) the user's own deck is
simulated: its size, its reviewed cards starting from their stored stability, difficulty, last
review, due date and lapses, its new cards introduced at the configured new cards a day, the
configured reviews a day, maximum interval, learning/relearning step counts and leech threshold.
fsrs-rs-python's `simulate()` takes no starting cards; its `optimal_retention(config, params,
cards, target)` does, and simulates them (16 seeds, 42..57, for a 365-day span) at each retention
its search tries. Every card, new ones included, is passed with the retention being swept as its
own desired retention, so the search's value changes nothing: every call of `target` sees the same
16 simulations, which is checked (the mean over them is the point of the sweep).
Without `deck`: the library's generic deck of DECK_SIZE new cards, one seed (the benchmark).

Every retention is simulated with the same seeds (common random numbers). Answer times and grade
frequencies come from the user's own log when it has enough of them (>= MIN_FOR_COSTS reviews of a
kind), else the simulator's defaults (Anki users' means).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from gdstudy.errors import GdstudyError
from gdstudy.optimize.engine import engine, guarded
from gdstudy.optimize.items import SCHEDULED_KINDS, LoggedReview

if TYPE_CHECKING:
    from gdstudy.optimize.simdeck import SimDeck

__all__ = ["RETENTIONS", "RetentionPoint", "Sweep", "sweep", "user_behaviour", "build_config", "start_cards"]

RETENTIONS: tuple[float, ...] = tuple(round(0.70 + 0.01 * i, 2) for i in range(28))  # 0.70 .. 0.97
MIN_FOR_COSTS = 50
DECK_SIZE = 5000
LEARN_SPAN = 365  # days
SEEDS = 16  # runs per retention tried, in fsrs-rs' optimal_retention for a span of 365 days or more
NO_TIME_LIMIT = 24 * 3600.0  # seconds a day: the library's default caps a day at 30 minutes


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


def build_config(behaviour: dict[str, Any], deck: "SimDeck | None" = None, *, new_per_day: int = 20) -> Any:
    """The library's SimulatorConfig: the user's deck size and limits with `deck`, else the generic
    deck; answer times and grade frequencies from `behaviour` where the log has them."""
    f = engine()
    c = f.default_simulator_config()
    c.learn_span = LEARN_SPAN
    if deck is None:
        c.deck_size = DECK_SIZE
        c.learn_limit = max(1, new_per_day)
    else:
        lim = deck.limits
        c.deck_size = deck.size
        c.learn_limit = int(lim["new_per_day"])
        c.review_limit = int(lim["reviews_per_day"])
        c.new_cards_ignore_review_limit = True  # gdstudy's review limit does not count new cards
        c.max_cost_perday = NO_TIME_LIMIT  # gdstudy has no daily time limit: only the counts above
        c.max_ivl = float(lim.get("maximum_interval", c.max_ivl))
        c.learning_step_count = int(lim.get("learning_steps", c.learning_step_count))
        c.relearning_step_count = int(lim.get("relearning_steps", c.relearning_step_count))
        c.suspend_after_lapses = lim.get("leech_suspends_after")
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


def start_cards(deck: "SimDeck", params: Sequence[float], retention: float) -> list:
    """The library Cards for `deck`, every one with `retention` as its desired retention: reviewed
    cards with their state; new cards as not yet learned (last_date -inf), due today (the learn
    limit spreads them), with a placeholder stability (> 1e-9, the library's filter for passed
    cards; it is replaced when the card is learned)."""
    f = engine()
    w = f.check_and_fill_parameters(list(params))
    out = []
    for i, sc in enumerate(deck.reviewed):
        c = f.Card()
        c.id, c.stability, c.difficulty = i + 1, sc.stability, sc.difficulty
        c.last_date, c.due, c.interval, c.lapses = float(sc.last_day), float(sc.due_day), float(sc.due_day - sc.last_day), sc.lapses
        c.desired_retention, c.parameters = float(retention), w
        out.append(c)
    for j in range(deck.new):
        c = f.Card()
        c.id, c.stability, c.due = len(deck.reviewed) + j + 1, 1.0, 0.0
        c.desired_retention, c.parameters = float(retention), w
        out.append(c)
    return out


def _simulate_deck(params: Sequence[float], retention: float, config: Any, deck: "SimDeck") -> tuple[float, float, float]:
    """(total seconds, reviews, remembered at the end), means over the library's seeds."""
    f = engine()
    seen: list[tuple[float, float, float]] = []

    def target(res: Any, _w: Any) -> float:
        seen.append((float(sum(res.cost_per_day)), float(sum(res.review_cnt_per_day)),
                     float(res.memorized_cnt_per_day[-1])))
        return 1.0  # the same for every retention searched: the search is only the way in

    with guarded(f"simulate retention {retention:.2f}"):
        cards = start_cards(deck, params, retention)
        try:
            f.optimal_retention(config, list(params), cards, target)
        except ValueError:
            if not seen:  # the search's own verdict ("optimal not found") is not needed: the runs are
                raise
    # each round of the search is the same SEEDS runs (two seeds may give the same year: counts are
    # multiples of the number of rounds); anything else means the searched value changed the cards
    n = len(seen)
    rounds = n // SEEDS
    if n % SEEDS or any(c % rounds for c in Counter(seen).values()):
        raise GdstudyError("this fsrs-rs-python simulates the given cards differently from what gdstudy "
                           "expects (the retention searched changed them); use fsrs-rs-python 0.9.3")
    return sum(s[0] for s in seen) / n, sum(s[1] for s in seen) / n, sum(s[2] for s in seen) / n


def sweep(
    params: Sequence[float],
    *,
    deck: "SimDeck | None" = None,
    behaviour: dict[str, Any] | None = None,
    new_per_day: int = 20,  # the generic deck's (without `deck`)
    retentions: Sequence[float] | None = None,  # None: RETENTIONS
    seed: int = 42,
) -> Sweep:
    t0 = time.perf_counter()
    retentions = RETENTIONS if retentions is None else retentions
    if deck is not None and deck.size == 0:
        raise GdstudyError("no cards to simulate: the loaded decks have no card that is not suspended")
    if deck is not None and not deck.reviewed and not deck.limits.get("new_per_day"):
        raise GdstudyError("nothing to simulate: no card is reviewed yet and new_per_day is 0 (no new card would be learned)")
    f = engine()
    config = build_config(behaviour or {}, deck, new_per_day=new_per_day)
    days = LEARN_SPAN
    points = []
    for r in retentions:
        if deck is None:
            with guarded(f"simulate retention {r:.2f}"):
                res = f.simulate(list(params), float(r), config, seed)
            cost, reviews, remembered = sum(res.cost_per_day), sum(res.review_cnt_per_day), float(res.memorized_cnt_per_day[-1])
        else:
            cost, reviews, remembered = _simulate_deck(params, float(r), config, deck)
        points.append(RetentionPoint(
            retention=float(r), minutes_per_day=cost / 60 / days, reviews_per_day=reviews / days,
            remembered=remembered, seconds_per_remembered=cost / remembered if remembered else float("inf"),
        ))
    best = min(points, key=lambda p: p.seconds_per_remembered)
    info = {"deck_size": config.deck_size, "days": days, "new_per_day": config.learn_limit,
            "your_deck": deck is not None, "from_your_log": sorted(behaviour or {}),
            "seconds_per_review": round(float(config.state_rating_costs[1][2]), 2)}  # a review graded Good
    if deck is not None:
        info |= deck.describe() | {"reviews_per_day": config.review_limit,
                                   "leech_suspends_after": config.suspend_after_lapses, "seeds": "42..57"}
    return Sweep(points, best, info, time.perf_counter() - t0)
