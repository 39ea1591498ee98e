"""Calibration: how well the scheduler's predicted recall matched what you actually recalled.

Each card's scheduled reviews (kind "review"; cram and practice excluded) are replayed with
py-fsrs, each review with the parameter set that was in force at its time (`params_at`) and the
learning steps of the settings, so the replayed state is the one the scheduler had. For every review
one whole day or more after the card's previous one, the predicted recall is py-fsrs'
`get_card_retrievability` of the state before it, at the review time; actual recall: the grade was
not Again. Cards whose log lacks their first review (partial imports) are skipped: there is no
state to replay from. Predictions are grouped in 5-point bins (0.85–0.90, 0.90–0.95, ...); a
calibrated scheduler has actual ≈ predicted in every bin with many reviews.

`calibrate(rows, history, settings)`; py-fsrs is imported when there is something to replay.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from gdstudy.optimize.engine import DEFAULT_PARAMETERS, log_loss
from gdstudy.optimize.items import SCHEDULED_KINDS, LoggedReview
from gdstudy.scheduling import ReplaySchedulers

if TYPE_CHECKING:
    from gdstudy.config import Settings

__all__ = ["BIN_WIDTH", "CalBin", "Calibration", "calibrate", "params_at", "fitted_at"]

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


def calibrate(rows: Iterable[LoggedReview], history: Sequence[Any] = (), settings: "Settings | None" = None) -> Calibration:
    """`rows`: the review log (ReviewRow-like, any kinds); `history`: the saved parameter sets,
    oldest first (ParamsRow-like)."""
    by_card: dict[str, list[LoggedReview]] = defaultdict(list)
    for r in rows:
        if r.kind in SCHEDULED_KINDS:
            by_card[r.card_id].append(r)
    preds: list[float] = []
    y: list[float] = []
    if by_card:
        replay = _Replay(settings)
        for card_rows in by_card.values():
            card_rows.sort(key=lambda r: r.reviewed_at_ms)
            if card_rows[0].state_before == 0:
                replay.card(card_rows, history, preds, y)
    if not y:
        return Calibration([], 0, None, None, *_in_force(history))
    p, yy = np.array(preds), np.array(y)
    edges = int(round(1 / BIN_WIDTH))
    idx = np.minimum((p * edges).astype(int), edges - 1)
    bins = []
    for b in range(edges):
        m = idx == b
        if m.any():
            bins.append(CalBin(b * BIN_WIDTH, (b + 1) * BIN_WIDTH, int(m.sum()), float(p[m].mean()), float(yy[m].mean())))
    rmse = math.sqrt(sum((c.predicted - c.actual) ** 2 * c.n for c in bins) / len(yy))
    return Calibration(bins, len(yy), log_loss(p, yy), rmse, *_in_force(history))


class _Replay(ReplaySchedulers):
    def __init__(self, settings: "Settings | None") -> None:
        from fsrs import Card, Rating

        from gdstudy.config import Settings

        super().__init__(settings or Settings())
        self.Card, self.Rating = Card, Rating

    def card(self, rows: list[LoggedReview], history: Sequence[Any], preds: list[float], y: list[float]) -> None:
        t0 = datetime.fromtimestamp(rows[0].reviewed_at_ms / 1000, timezone.utc)
        card = self.Card(card_id=1, due=t0)
        for r in rows:
            t = datetime.fromtimestamp(r.reviewed_at_ms / 1000, timezone.utc)
            sch = self.scheduler(params_at(history, t))
            if card.last_review is not None and card.stability and (t - card.last_review).days >= 1:
                preds.append(sch.get_card_retrievability(card, t))
                y.append(float(r.rating > 1))
            card, _ = sch.review_card(card, self.Rating(r.rating), review_datetime=t)


def fitted_at(scores: dict[str, Any], fallback: datetime) -> datetime:
    """When a saved set was fitted (a retention change copies its fit's date), else `fallback`."""
    try:
        at = datetime.fromisoformat(str(scores["fitted_at"]))
        return at if at.tzinfo else fallback
    except (KeyError, ValueError):
        return fallback


def _in_force(history: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    if not history or not history[-1].params:
        return "defaults", {}
    h = history[-1]
    scores = h.scores or {}
    when = fitted_at(scores, h.at).astimezone().strftime("%Y-%m-%d")
    held = {k: scores.get(k) for k in ("log_loss", "rmse_bins", "heldout") if scores.get(k) is not None}
    if isinstance(scores.get("default"), dict):
        held["default_log_loss"] = scores["default"].get("log_loss")
    return f"fitted {when} on {h.n_reviews} recall tests", held
