"""The fsrs-rs engine (`fsrs-rs-python`, the Rust code Anki uses), loaded lazily, and the metrics.

`engine()` imports it or raises one clear line naming the extra. `predict(params, items)` gives
each item's predicted recall: the retrievability FSRS-6 with `params` assigns to the item's last
review, from the stability after the reviews before it (what fsrs-rs' evaluation does). The metrics
are those of the FSRS benchmark: log loss and RMSE(bins) with fsrs-rs' bins (interval, review
count, lapse count).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator, Sequence

import numpy as np

from gdstudy.errors import GdstudyError
from gdstudy.optimize.items import Item

__all__ = [
    "engine", "guarded", "DEFAULT_PARAMETERS", "to_fsrs_items", "predict", "retrievability",
    "log_loss", "rmse_bins", "Score", "score", "EvalSet", "recency_weights",
]

# FSRS-6 defaults (the same 21 numbers in py-fsrs and fsrs-rs)
DEFAULT_PARAMETERS: tuple[float, ...] = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835,
    0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)
EXTRA_HINT = "pip install 'gdstudy[optimize]' (the fsrs-rs-python package)"


def engine() -> ModuleType:
    try:
        import fsrs_rs_python
    except ImportError:
        raise GdstudyError(f"optimizing needs fsrs-rs-python: {EXTRA_HINT}") from None
    return fsrs_rs_python


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """fsrs-rs errors (ValueError) and Rust panics (pyo3's PanicException, a BaseException)
    become one GdstudyError line."""
    try:
        yield
    except ValueError as e:
        raise GdstudyError(f"fsrs-rs could not {what}: {e}") from None
    except BaseException as e:
        if type(e).__name__ == "PanicException":
            raise GdstudyError(f"fsrs-rs failed to {what}: {e}") from None
        raise


def _longest(items: Sequence[Item]) -> dict[str, tuple]:
    """Each card's longest item reviews: every item of a card is a prefix of it."""
    out: dict[str, tuple] = {}
    for it in items:
        if len(it.reviews) > len(out.get(it.card_id, ())):
            out[it.card_id] = it.reviews
    return out


def to_fsrs_items(items: Sequence[Item], *, history_only: bool = False) -> list:
    """Library FSRSItems (`history_only`: without the target review). Built from one list of
    FSRSReview objects per card, sliced: items of a card are prefixes of one another."""
    f = engine()
    cache: dict[tuple[int, int], object] = {}
    per_card = {}
    for card, reviews in _longest(items).items():
        revs = []
        for r in reviews:
            key = (r.rating, r.delta_days)
            if key not in cache:  # FSRSReview objects are immutable: share them
                cache[key] = f.FSRSReview(r.rating, r.delta_days)
            revs.append(cache[key])
        per_card[card] = revs
    cut = 1 if history_only else 0
    return [f.FSRSItem(per_card[it.card_id][: len(it.reviews) - cut]) for it in items]


def retrievability(params: Sequence[float], elapsed_days: np.ndarray, stability: np.ndarray) -> np.ndarray:
    """FSRS-6 power forgetting curve: R(t, S) = (1 + factor·t/S)^(-w20), R(S, S) = 0.9."""
    decay = -float(params[20])
    factor = math.exp(math.log(0.9) / decay) - 1.0
    return np.power(np.asarray(elapsed_days, float) / np.asarray(stability, float) * factor + 1.0, decay)


def predict(params: Sequence[float], items: Sequence[Item]) -> np.ndarray:
    return EvalSet(items).predict(params)


def _labels(items: Sequence[Item]) -> np.ndarray:
    return np.fromiter((it.recalled for it in items), float, len(items))


def log_loss(p: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    ll = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(np.average(ll, weights=w))


def _bins(items: Sequence[Item]) -> list[tuple[int, int, int]]:
    """fsrs-rs' r_matrix_index of each item: interval, review-count and lapse-count bins (counts
    from per-card running sums: items of a card are prefixes of one another)."""
    sums: dict[str, tuple[list[int], list[int]]] = {}
    for card, reviews in _longest(items).items():
        long_term, lapses = [0], [0]  # counts over reviews[:k]
        for r in reviews:
            long_term.append(long_term[-1] + (r.delta_days > 0))
            lapses.append(lapses[-1] + (r.rating == 1 and r.delta_days > 0))
        sums[card] = (long_term, lapses)
    out = []
    for it in items:
        k = len(it.reviews)
        long_term, lapses = sums[it.card_id][0][k], sums[it.card_id][1][k - 1]
        t = float(it.reviews[-1].delta_days)
        t_bin = round(2.48 * 3.62 ** math.floor(math.log(t, 3.62)) * 100.0)
        n_bin = round(1.99 * 1.89 ** math.floor(math.log(long_term + 1.0, 1.89)))
        l_bin = 0 if lapses == 0 else round(1.65 * 1.73 ** math.floor(math.log(lapses, 1.73)))
        out.append((t_bin, n_bin, l_bin))
    return out


def rmse_bins(items: Sequence[Item], p: np.ndarray, w: np.ndarray | None = None) -> float:
    """RMSE between mean predicted and mean actual recall over fsrs-rs' bins, weighted by bin size."""
    return EvalSet(items).rmse_bins(p, w)


class Score(dict):
    """{'log_loss': ..., 'rmse_bins': ..., 'n': ...} (a dict, so it goes into the store as JSON)."""


class EvalSet:
    """Items to score several parameter sets on: labels, bins and histories computed once."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        self.y = _labels(self.items)
        keys = _bins(self.items)
        index: dict[tuple[int, int, int], int] = {}
        self.bin = np.fromiter((index.setdefault(k, len(index)) for k in keys), int, len(keys))
        self.n_bins = len(index)
        self._hist: list | None = None

    def predict(self, params: Sequence[float]) -> np.ndarray:
        if not self.items:
            return np.zeros(0)
        if self._hist is None:
            self._hist = to_fsrs_items(self.items, history_only=True)
        states = engine().FSRS(list(params)).memory_state_batch(self._hist)
        s = np.fromiter((m.stability for m in states), float, len(self.items))
        t = np.fromiter((it.reviews[-1].delta_days for it in self.items), float, len(self.items))
        return retrievability(params, t, s)

    def rmse_bins(self, p: np.ndarray, w: np.ndarray | None = None) -> float:
        w = np.ones(len(p)) if w is None else w
        count = np.bincount(self.bin, minlength=self.n_bins)
        pred = np.bincount(self.bin, p, self.n_bins) / count
        real = np.bincount(self.bin, self.y, self.n_bins) / count
        weight = np.bincount(self.bin, w, self.n_bins)
        return float(math.sqrt(np.sum((pred - real) ** 2 * weight) / np.sum(weight)))

    def score(self, params: Sequence[float]) -> Score:
        p = self.predict(params)
        return Score(log_loss=log_loss(p, self.y), rmse_bins=self.rmse_bins(p), n=len(self.items))


def score(params: Sequence[float], items: Sequence[Item]) -> Score:
    return EvalSet(items).score(params)


def recency_weights(n: int) -> np.ndarray:
    """fsrs-rs' `evaluate` weights (0.25 .. 1, growing with the cube of the position)."""
    idx = np.arange(n, dtype=float)
    return 0.25 + 0.75 * (idx / max(n - 1.0, 1.0)) ** 3
