"""Calibration: how well the scheduler's predicted recall matched what you actually recalled.

For every scheduled review (kinds "review" and "interview"; cram excluded) of a card that had a memory state and was
last reviewed one whole day or more before, the predicted recall is the retrievability the
parameters in force at that moment gave it: py-fsrs' `get_card_retrievability` of the card's state
before the review (its stability, its last review) at the review time, with the forgetting curve
(w20) of the parameter set active then. Actual recall: the grade was not Again. Predictions are
grouped in 5-point bins (0.85–0.90, 0.90–0.95, ...); a calibrated scheduler has actual ≈ predicted
in every bin with many reviews.

Pure (numpy only, no fsrs import): `calibrate(log, history)`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

import numpy as np

from gdstudy.optimize.engine import DEFAULT_PARAMETERS, log_loss, retrievability
from gdstudy.optimize.items import SCHEDULED_KINDS

__all__ = ["BIN_WIDTH", "CalBin", "Calibration", "calibrate", "params_at"]

BIN_WIDTH = 0.05


@dataclass(frozen=True)
class CalBin:
    lo: float
    hi: float
    n: int
    predicted: float  # mean predicted recall
    actual: float  # fraction recalled

    def to_dict(self) -> dict[str, Any]:
        return {"lo": round(self.lo, 2), "hi": round(self.hi, 2), "n": self.n,
                "predicted": self.predicted, "actual": self.actual}


@dataclass(frozen=True)
class Calibration:
    bins: list[CalBin]
    n: int
    log_loss: float | None
    rmse_bins: float | None  # RMSE of (predicted - actual) over these bins, weighted by size
    in_force: str = "defaults"  # the parameters in force now
    heldout: dict[str, Any] = field(default_factory=dict)  # their held-out scores, if fitted

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "log_loss": self.log_loss, "rmse_bins": self.rmse_bins,
                "bins": [b.to_dict() for b in self.bins], "in_force": self.in_force, "heldout": self.heldout}


def params_at(history: Sequence[Any], t: datetime) -> Sequence[float]:
    """The parameters in force at `t`: the newest set saved at or before `t` (defaults before any).
    `history`: ParamsRow-like (`.at`, `.params`), oldest first."""
    times = [h.at for h in history]
    i = bisect_right(times, t)
    if i == 0:
        return DEFAULT_PARAMETERS
    p = history[i - 1].params
    return tuple(p) if p else DEFAULT_PARAMETERS


def calibrate(log: Iterable[Any], history: Sequence[Any] = ()) -> Calibration:
    """`log`: gdstudy.store.LogEntry-like rows; `history`: the saved parameter sets, oldest first."""
    t_days: list[float] = []
    stab: list[float] = []
    decay: list[float] = []
    y: list[float] = []
    for e in log:
        sb = e.state_before
        if e.kind not in SCHEDULED_KINDS or sb is None or not sb.stability or sb.last_review is None:
            continue
        elapsed = (e.reviewed_at - sb.last_review).days  # whole days, as py-fsrs counts them
        if elapsed < 1:
            continue
        t_days.append(elapsed)
        stab.append(sb.stability)
        decay.append(params_at(history, e.reviewed_at)[20])
        y.append(float(e.rating > 1))
    if not y:
        return Calibration([], 0, None, None, *_in_force(history))
    p = _retrievability(np.array(t_days), np.array(stab), np.array(decay))
    yy = np.array(y)
    edges = int(round(1 / BIN_WIDTH))
    idx = np.minimum((p * edges).astype(int), edges - 1)
    bins = []
    for b in range(edges):
        m = idx == b
        if m.any():
            bins.append(CalBin(b * BIN_WIDTH, (b + 1) * BIN_WIDTH, int(m.sum()), float(p[m].mean()), float(yy[m].mean())))
    rmse = math.sqrt(sum((c.predicted - c.actual) ** 2 * c.n for c in bins) / len(yy))
    return Calibration(bins, len(yy), log_loss(p, yy), rmse, *_in_force(history))


def _retrievability(t: np.ndarray, s: np.ndarray, w20: np.ndarray) -> np.ndarray:
    out = np.empty(len(t))
    for d in np.unique(w20):  # one forgetting curve per parameter set
        m = w20 == d
        params = list(DEFAULT_PARAMETERS)
        params[20] = float(d)
        out[m] = retrievability(params, t[m], s[m])
    return out


def _in_force(history: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    if not history or not history[-1].params:
        return "defaults", {}
    h = history[-1]
    scores = h.scores or {}
    when = h.at.astimezone().strftime("%Y-%m-%d")
    held = {k: scores.get(k) for k in ("log_loss", "rmse_bins", "heldout") if scores.get(k) is not None}
    if scores.get("default"):
        held["default_log_loss"] = scores["default"].get("log_loss")
    return f"fitted {when} on {h.n_reviews} reviews", held
