"""Fit FSRS-6 parameters to a review log and decide whether to adopt them.

    result = fit_items(build_items(rows), current=None)

1. Too few recall tests (< MIN_REVIEWS) -> no fit; `result.needed` says how many more.
2. Held-out check, the way the FSRS benchmark does it: the items (sorted by time) are cut into
   six segments; for k = 1..5 the parameters are fitted on segments < k and tested on segment k
   (fsrs-rs `evaluate_with_time_series_splits`). The defaults are scored on the same held-out
   reviews (segments 1..5). Fitting must beat them there.
3. The parameters to adopt are fitted on everything. When an earlier fit is in force, the new set
   must also predict all the recall tests at least as well as it (Anki's rule). The earlier set
   was fitted on most of these same reviews, so scoring it on the held-out segments would be
   in-sample for it and favour it unfairly; on all reviews both sets are scored alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from gdstudy.optimize.engine import DEFAULT_PARAMETERS, EvalSet, Score, engine, guarded, to_fsrs_items
from gdstudy.optimize.items import ItemSet

__all__ = ["MIN_REVIEWS", "N_SPLITS", "FitResult", "fit_items", "fit_parameters"]

MIN_REVIEWS = 400  # recall tests (reviews a day or more after the card's previous one)
N_SPLITS = 5


@dataclass(frozen=True)
class FitResult:
    n_items: int
    n_reviews: int
    heldout: int = 0
    default: Score | None = None  # held-out scores
    fitted: Score | None = None
    current: Score | None = None  # on all recall tests: the parameters in force (an earlier fit)
    refit: Score | None = None  # on all recall tests: the new set (fitted on them)
    params: list[float] | None = None  # fitted on all items
    adopt: bool = False
    reason: str = ""
    orphans: int = 0
    incomplete: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def needed(self) -> int:
        return max(0, MIN_REVIEWS - self.n_items)

    def scores(self) -> dict[str, Any]:
        """What the store keeps with an adopted set."""
        return {
            "log_loss": self.fitted["log_loss"] if self.fitted else None,
            "rmse_bins": self.fitted["rmse_bins"] if self.fitted else None,
            "default": dict(self.default) if self.default else None,
            "heldout": self.heldout,
            "recall_tests": self.n_items,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "recall_tests": self.n_items, "reviews": self.n_reviews, "min_recall_tests": MIN_REVIEWS,
            "needed": self.needed, "heldout": self.heldout,
            "default": dict(self.default) if self.default else None,
            "current_all": dict(self.current) if self.current else None,
            "new_all": dict(self.refit) if self.refit else None,
            "fitted": dict(self.fitted) if self.fitted else None,
            "params": self.params, "adopt": self.adopt, "reason": self.reason,
            "orphans": self.orphans, "incomplete": self.incomplete, "excluded": self.excluded,
            "seconds": round(self.seconds, 3),
        }


def fit_parameters(fsrs_items: list, num_relearning_steps: int = 1) -> list[float]:
    f = engine()
    params = f.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(
        fsrs_items, num_relearning_steps=num_relearning_steps
    )
    from gdstudy.scheduling import usable_parameters

    return list(usable_parameters(params))  # what py-fsrs will schedule with


def fit_items(
    data: ItemSet, current: Sequence[float] | None = None, *, num_relearning_steps: int = 1
) -> FitResult:
    t0 = time.perf_counter()
    base = dict(n_items=data.n, n_reviews=data.reviews_used, orphans=data.orphans,
                incomplete=data.incomplete, excluded=data.excluded)
    if data.n < MIN_REVIEWS:
        return FitResult(**base, reason=f"too few reviews: {data.n} of the {MIN_REVIEWS} needed",
                         seconds=time.perf_counter() - t0)
    f = engine()
    fsrs_items = to_fsrs_items(data.items)
    with guarded("fit these reviews"):
        ts = f.evaluate_with_time_series_splits(fsrs_items, num_relearning_steps=num_relearning_steps)
        heldout = EvalSet(data.items[data.n // (N_SPLITS + 1):])  # the segments tested above
        fitted = Score(log_loss=float(ts.log_loss), rmse_bins=float(ts.rmse_bins), n=len(heldout.items))
        default = heldout.score(DEFAULT_PARAMETERS)
        params = fit_parameters(fsrs_items, num_relearning_steps)
    beats_default = fitted["log_loss"] < default["log_loss"]
    reason = (f"fitting {'beats' if beats_default else 'does not beat'} the defaults on {len(heldout.items)} "
              f"held-out reviews (log loss {fitted['log_loss']:.4f} vs {default['log_loss']:.4f})")
    adopt = beats_default
    if current is not None and beats_default:
        everything = EvalSet(data.items)
        in_force, refit = everything.score(current), everything.score(params)
        better = refit["log_loss"] <= in_force["log_loss"]
        same = max(abs(a - b) for a, b in zip(params, current)) < 1e-4
        adopt = better and not same
        if same:
            reason += "; the new set equals the parameters in force (no new reviews to learn from)"
        else:
            reason += (f"; on all {data.n} recall tests the new set {'matches or beats' if better else 'does not beat'} "
                       f"the parameters in force (log loss {refit['log_loss']:.4f} vs {in_force['log_loss']:.4f})")
    else:
        in_force = refit = None
    return FitResult(**base, heldout=len(heldout.items), default=default, fitted=fitted, current=in_force,
                     refit=refit, params=params, adopt=adopt, reason=reason, seconds=time.perf_counter() - t0)
