"""A simulated learner whose memory is FSRS-6 with known parameters (for tests and the benchmark).

The learner studies on the FSRS default parameters (as every user does before optimizing) while
its memory follows `truth` (not the defaults): each recall test succeeds with the retrievability
the *true* model gives at that moment, and the true memory state moves with the grade given. So
fitting its log should recover a model close to the truth, and the truth's log loss on it is the
best any parameters can reach (up to noise).

    log = simulate_learner(n_cards=400, days=200, seed=1)
    log.rows        # gdstudy.store.ReviewRow-like rows, oldest first
    log.truth       # the 21 parameters that generated them

Same-day learning and relearning steps are logged (state 0/1/3 before) and, like a real log,
have delta 0 days for FSRS. Reviews are at 10:00 UTC plus a few minutes per card, so with
`day_hour=4` and UTC the study days are the calendar days.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass
from typing import Sequence

from gdstudy.optimize.engine import DEFAULT_PARAMETERS, engine

__all__ = ["TRUE_PARAMETERS", "SimReview", "SimulatedLog", "simulate_learner"]

# A learner unlike the defaults: faster first-day forgetting for Again, a steeper curve (w20),
# bigger stability gains on success.
TRUE_PARAMETERS: tuple[float, ...] = (
    1.1, 3.2, 6.5, 20.0, 6.9, 0.62, 2.4, 0.015, 2.0, 0.21, 1.05, 1.75, 0.09, 0.31, 1.95,
    0.42, 2.3, 0.48, 0.14, 0.09, 0.5,
)
START_MS = 1_767_261_600_000  # 2026-01-01 10:00 UTC
DAY_MS = 86_400_000
STEP_MINUTES = 10
FIRST_RATING_P = (0.24, 0.094, 0.495, 0.171)  # Again, Hard, Good, Easy on a new card (fsrs-rs defaults)
SUCCESS_RATING_P = (0.224, 0.631, 0.145)  # Hard, Good, Easy when recalled
SECONDS = {1: 14.0, 2: 11.0, 3: 7.0, 4: 5.0}  # mean answer time by grade


@dataclass(frozen=True)
class SimReview:
    card_id: str
    reviewed_at_ms: int
    rating: int
    duration_ms: int | None
    kind: str
    state_before: int


@dataclass(frozen=True)
class SimulatedLog:
    rows: list[SimReview]
    truth: tuple[float, ...]
    days: int


def _r(w: Sequence[float], t: float, s: float) -> float:
    decay = -w[20]
    factor = math.exp(math.log(0.9) / decay) - 1.0
    return (t / s * factor + 1.0) ** decay


def _pick(rng: random.Random, ratings: Sequence[int], p: Sequence[float]) -> int:
    return rng.choices(ratings, weights=p)[0]


def simulate_learner(
    *,
    n_cards: int = 500,
    new_per_day: int = 20,
    days: int = 200,
    max_reviews: int | None = None,
    truth: Sequence[float] = TRUE_PARAMETERS,
    desired_retention: float = 0.9,
    seed: int = 0,
) -> SimulatedLog:
    f = engine()
    rng = random.Random(seed)
    true_m, sched_m = f.FSRS(list(truth)), f.FSRS(list(DEFAULT_PARAMETERS))
    rows: list[SimReview] = []
    # per card: true memory state, scheduler memory state, day of last review
    true_s: dict[int, object] = {}
    sched_s: dict[int, object] = {}
    last_day: dict[int, int] = {}
    due: list[tuple[int, int]] = [(c // new_per_day, c) for c in range(n_cards)]  # (day, card)
    heapq.heapify(due)
    minute: dict[int, int] = {}

    def log(card: int, day: int, rating: int, state_before: int) -> None:
        m = minute.get(day, 0)
        minute[day] = m + 1
        secs = rng.expovariate(1.0 / SECONDS[rating])
        rows.append(SimReview(f"sim-{card:05d}", START_MS + day * DAY_MS + m * 20_000,
                              rating, int(secs * 1000), "review", state_before))

    def grade(card: int, day: int, rating: int, state_before: int) -> None:
        elapsed = 0 if card not in last_day else day - last_day[card]
        attr = ("again", "hard", "good", "easy")[rating - 1]
        true_s[card] = getattr(true_m.next_states(true_s.get(card), desired_retention, elapsed), attr).memory
        nxt = getattr(sched_m.next_states(sched_s.get(card), desired_retention, elapsed), attr)
        sched_s[card] = nxt.memory
        last_day[card] = day
        log(card, day, rating, state_before)

    def steps(card: int, day: int, state: int) -> None:
        """Same-day (re)learning steps until a pass, at most three."""
        for _ in range(3):
            p = _r(truth, STEP_MINUTES / 1440, true_s[card].stability)  # type: ignore[attr-defined]
            rating = 3 if rng.random() < p else 1
            grade(card, day, rating, state)
            if rating == 3:
                return

    def schedule(card: int, day: int) -> None:
        ivl = sched_m.next_interval(sched_s[card].stability, desired_retention, 3)  # type: ignore[attr-defined]
        ivl = max(1, round(ivl * rng.uniform(0.95, 1.05)))  # fuzz
        if rng.random() < 0.2:  # a missed day or three
            ivl += rng.randint(1, 3)
        heapq.heappush(due, (day + ivl, card))

    while due and (max_reviews is None or len(rows) < max_reviews):
        day, card = heapq.heappop(due)
        if day >= days:
            break
        if card not in last_day:  # new card
            rating = _pick(rng, (1, 2, 3, 4), FIRST_RATING_P)
            grade(card, day, rating, 0)
            if rating <= 2:
                steps(card, day, 1)
        else:
            p = _r(truth, day - last_day[card], true_s[card].stability)  # type: ignore[attr-defined]
            if rng.random() < p:
                grade(card, day, _pick(rng, (2, 3, 4), SUCCESS_RATING_P), 2)
            else:
                grade(card, day, 1, 2)
                steps(card, day, 3)
        schedule(card, day)
    rows.sort(key=lambda r: r.reviewed_at_ms)
    if max_reviews is not None:
        rows = rows[:max_reviews]
    return SimulatedLog(rows, tuple(truth), days)
