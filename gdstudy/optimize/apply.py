"""`gdstudy optimize` against the store: fit and adopt, reset, undo, the retention sweep.

Every change is a new parameter set in the store (`Store.save_params`), so every change, a reset
or a recommended retention included, is undone by `Store.undo_params`. `scores["change"]` says
what made the set: "fit", "reset" or "retention".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from gdstudy.errors import GdstudyError

if TYPE_CHECKING:
    from gdstudy.config import Settings
    from gdstudy.optimize.fit import FitResult
    from gdstudy.optimize.retention import Sweep
    from gdstudy.optimize.simdeck import SimDeck
    from gdstudy.store import ParamsRow, Store

__all__ = ["run_fit", "run_reset", "run_undo", "run_retention", "Changed"]


@dataclass(frozen=True)
class Changed:
    what: str
    active: "ParamsRow | None"

    def to_dict(self) -> dict[str, Any]:
        return {"changed": self.what, "active": describe(self.active)}


def describe(row: "ParamsRow | None") -> dict[str, Any]:
    if row is None or not row.params:
        return {"params": None, "label": "FSRS-6 defaults",
                "desired_retention": (row.scores or {}).get("desired_retention") if row else None}
    s = row.scores or {}
    from gdstudy.optimize.calibration import fitted_at

    fitted = fitted_at(s, row.at)  # a retention row keeps its fit's date
    return {"params": row.params, "label": f"fitted {fitted.astimezone():%Y-%m-%d %H:%M} on {row.n_reviews} recall tests",
            "at": row.at.isoformat(), "n_reviews": row.n_reviews, "log_loss": s.get("log_loss"),
            "rmse_bins": s.get("rmse_bins"), "desired_retention": s.get("desired_retention")}


def run_fit(store: "Store", settings: "Settings", now: datetime, *, deck_ids: set[str], dry_run: bool) -> "FitResult":
    from gdstudy.optimize.fit import fit_items
    from gdstudy.optimize.items import build_items

    data = build_items(store.iter_reviews(kinds=None), day_hour=settings.day_starts_at_hour, deck_ids=deck_ids)
    active = store.active_params()
    current = active.params if active and active.params else None
    result = fit_items(data, current, num_relearning_steps=max(1, len(settings.relearning_steps)))
    if result.adopt and not dry_run:
        scores = {**result.scores(), "change": "fit", "fitted_at": now.isoformat()}
        keep = (active.scores or {}).get("desired_retention") if active else None
        if keep is not None:  # recommended for the old parameters: kept until --retention is run again
            scores["desired_retention"] = keep
        store.save_params(result.params, at=now, n_reviews=result.n_items, scores=scores,
                          based_on=active.id if active else None)
    return result


def run_reset(store: "Store", now: datetime) -> Changed:
    active = store.active_params()
    if active is None or (not active.params and "desired_retention" not in (active.scores or {})):
        raise GdstudyError("already on the FSRS-6 defaults: nothing to reset")
    store.save_params(None, at=now, n_reviews=0, scores={"change": "reset"})
    return Changed("reset to the FSRS-6 defaults", store.active_params())


def run_undo(store: "Store") -> Changed:
    if not store.params_count():  # (a damaged newest set can be undone: it is not read)
        raise GdstudyError("nothing to undo: the parameters were never changed")
    store.undo_params()
    return Changed("undid the last change", store.active_params())


def run_retention(store: "Store", settings: "Settings", now: datetime, *, card_ids: Iterable[str], dry_run: bool) -> "Sweep":
    """Simulate the user's deck (the cards of the loaded decks, `card_ids`, from their stored
    states) with the set in force and save the recommendation on top of it — only if that set is
    still in force (a --reset/--undo made during the seconds of simulation is kept)."""
    from gdstudy.optimize.engine import DEFAULT_PARAMETERS
    from gdstudy.optimize.retention import sweep, user_behaviour

    active = store.active_params()
    params = active.params if active and active.params else list(DEFAULT_PARAMETERS)
    deck = user_deck(store, settings, now, card_ids)
    result = sweep(params, deck=deck, behaviour=user_behaviour(store.iter_reviews(kinds=None)))
    result.config["parameters"] = describe(active)["label"]
    if not dry_run:
        base = dict(active.scores or {}) if active else {}
        base.update(change="retention", desired_retention=result.best.retention)
        store.save_params(active.params if active else None, at=now,
                          n_reviews=active.n_reviews if active else 0, scores=base,
                          based_on=active.id if active else None)
    return result


def user_deck(store: "Store", settings: "Settings", now: datetime, card_ids: Iterable[str]) -> "SimDeck":
    """What the retention sweep simulates: the loaded decks' cards from their stored states, with
    the configured limits (see `simdeck`)."""
    from gdstudy.optimize.simdeck import sim_deck

    return sim_deck(card_ids, store.states(), now, settings)
