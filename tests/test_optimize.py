"""FSRS fitting: log -> items, metrics equal fsrs-rs' own, the simulated learner, too few reviews,
the retention sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pytest

from gdstudy.optimize.engine import DEFAULT_PARAMETERS, EvalSet, engine, log_loss, recency_weights, to_fsrs_items
from gdstudy.optimize.fit import MIN_REVIEWS, N_SPLITS, fit_items
from gdstudy.optimize.items import Review, build_items, study_day_index
from gdstudy.optimize.learner import TRUE_PARAMETERS, simulate_learner
from gdstudy.optimize.retention import sweep, user_behaviour

pytest.importorskip("fsrs_rs_python")

UTC = timezone.utc
H = 3_600_000


@dataclass(frozen=True)
class Row:
    card_id: str
    reviewed_at_ms: int
    rating: int
    kind: str = "review"
    state_before: int = 2
    duration_ms: int | None = None


def ms(y: int, m: int, d: int, h: int = 12) -> int:
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp() * 1000)


# -- log -> items ------------------------------------------------------------------------------


def test_items_same_day_steps_have_delta_zero_and_are_not_targets() -> None:
    rows = [
        Row("a", ms(2026, 1, 1, 10), 1, state_before=0),
        Row("a", ms(2026, 1, 1, 11), 3, state_before=1),  # same-day learning step
        Row("a", ms(2026, 1, 3), 3),
        Row("a", ms(2026, 1, 3, 13), 2, kind="cram"),  # cram: excluded
        Row("a", ms(2026, 1, 10), 1),
        Row("a", ms(2026, 1, 10, 13), 3, state_before=3),  # same-day relearning step
        Row("a", ms(2026, 1, 12), 4),
    ]
    s = build_items(rows, tz=UTC)
    assert s.histories["a"] == (Review(1, 0), Review(3, 0), Review(3, 2), Review(1, 7), Review(3, 0), Review(4, 2))
    assert [len(it.reviews) for it in s.items] == [3, 4, 6]  # one item per review a day or more later
    assert [it.recalled for it in s.items] == [True, False, True]
    assert s.excluded == {"cram": 1} and s.reviews_used == 6 and s.n == 3


def test_items_day_rolls_over_at_day_hour() -> None:
    # 03:00 belongs to the previous study day when days start at 04:00
    assert study_day_index(ms(2026, 1, 2, 3), 4, UTC) == study_day_index(ms(2026, 1, 1, 23), 4, UTC)
    assert study_day_index(ms(2026, 1, 2, 5), 4, UTC) == study_day_index(ms(2026, 1, 1, 23), 4, UTC) + 1
    rows = [Row("a", ms(2026, 1, 1, 22), 3, state_before=0), Row("a", ms(2026, 1, 2, 3), 3, state_before=1)]
    assert build_items(rows, tz=UTC).histories["a"][1].delta_days == 0


def test_items_start_at_last_learning_block_orphans_counted_incomplete_dropped() -> None:
    rows = [
        Row("reset", ms(2026, 1, 1), 3, state_before=0),
        Row("reset", ms(2026, 1, 5), 3),
        Row("reset", ms(2026, 2, 1), 3, state_before=0),  # card was reset: history starts again here
        Row("reset", ms(2026, 2, 4), 3),
        Row("partial", ms(2026, 1, 1), 3),  # imported without its first reviews
        Row("partial", ms(2026, 1, 9), 3),
        Row("gone", ms(2026, 1, 1), 3, state_before=0),  # not in the deck any more
        Row("gone", ms(2026, 1, 2), 3),
    ]
    s = build_items(rows, tz=UTC, deck_ids={"reset"})
    assert s.histories["reset"] == (Review(3, 0), Review(3, 3))
    assert "partial" not in s.histories and s.incomplete == 1
    assert s.orphans == 1 and {it.card_id for it in s.items} == {"reset", "gone"}


# -- metrics -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def learner_data():
    log = simulate_learner(n_cards=1200, new_per_day=20, days=300, seed=3)
    return log, build_items(log.rows, tz=UTC)


def test_metrics_equal_fsrs_rs_evaluate(learner_data) -> None:
    """Our predictions, log loss and RMSE(bins) reproduce fsrs-rs' `evaluate` (recency-weighted)."""
    _, data = learner_data
    f = engine()
    es = EvalSet(data.items)
    w = recency_weights(data.n)
    for params in (DEFAULT_PARAMETERS, TRUE_PARAMETERS):
        p = es.predict(params)
        lib = f.FSRS(list(params)).evaluate(to_fsrs_items(data.items))
        assert log_loss(p, es.y, w) == pytest.approx(lib.log_loss, abs=2e-5)
        assert es.rmse_bins(p, w) == pytest.approx(lib.rmse_bins, abs=2e-5)


def test_simulated_learner_is_the_truth_not_the_defaults(learner_data) -> None:
    log, data = learner_data
    assert log.truth != DEFAULT_PARAMETERS
    es = EvalSet(data.items)
    truth, default = es.score(TRUE_PARAMETERS), es.score(DEFAULT_PARAMETERS)
    assert truth["log_loss"] < default["log_loss"] - 0.005
    # recall is drawn from the true retrievability: observed recall matches its mean prediction
    p = es.predict(TRUE_PARAMETERS)
    se = np.sqrt(np.sum(p * (1 - p))) / len(p)
    assert abs(es.y.mean() - p.mean()) < 4 * se


MARGIN = 0.005  # fitted held-out log loss within this of the true parameters' (defaults: ~0.01 away)


def test_fitting_beats_defaults_on_heldout_and_comes_close_to_truth(learner_data) -> None:
    _, data = learner_data
    r = fit_items(data)
    truth = EvalSet(data.items[data.n // (N_SPLITS + 1):]).score(TRUE_PARAMETERS)
    assert r.heldout == truth["n"] == data.n - data.n // (N_SPLITS + 1)
    assert r.fitted["log_loss"] < r.default["log_loss"]
    assert r.fitted["log_loss"] - truth["log_loss"] < MARGIN
    assert r.fitted["log_loss"] - truth["log_loss"] < (r.default["log_loss"] - truth["log_loss"]) / 2
    assert r.adopt and len(r.params) == 21 and r.params != list(DEFAULT_PARAMETERS)
    # the parameters fitted on everything predict better than the defaults too
    es = EvalSet(data.items)
    assert es.score(r.params)["log_loss"] < es.score(DEFAULT_PARAMETERS)["log_loss"]


def test_against_an_earlier_fit_both_are_scored_on_all_reviews(learner_data) -> None:
    _, data = learner_data
    first = fit_items(data)
    again = fit_items(data, current=first.params)  # same data: the refit is the set in force
    assert again.params == first.params and not again.adopt and "equals the parameters in force" in again.reason
    more = fit_items(data, current=[x * 1.01 for x in first.params])  # a nearby earlier fit
    assert more.adopt == (more.refit["log_loss"] <= more.current["log_loss"])
    assert more.refit["log_loss"] <= more.current["log_loss"] + 1e-3
    es = EvalSet(data.items)
    assert more.current == es.score([x * 1.01 for x in first.params]) and more.refit == es.score(more.params)
    bad = list(TRUE_PARAMETERS)
    bad[20] = 0.1  # a wrong forgetting curve in force: the refit beats it on all reviews
    assert fit_items(data, current=bad).adopt


def test_fit_is_not_adopted_when_it_does_not_beat_the_defaults() -> None:
    """A learner whose memory *is* the defaults: fits on the past segments only add noise, so on
    held-out reviews they do not beat the defaults, and the defaults are kept (12 of 12 seeds and
    sizes tried)."""
    log = simulate_learner(n_cards=300, new_per_day=20, days=120, truth=DEFAULT_PARAMETERS, seed=4)
    r = fit_items(build_items(log.rows, tz=UTC))
    assert r.default["log_loss"] <= r.fitted["log_loss"] < r.default["log_loss"] + 0.02
    assert not r.adopt and "does not beat the defaults" in r.reason and r.params is not None


def test_too_few_reviews_says_how_many_more_and_does_not_fit() -> None:
    log = simulate_learner(n_cards=40, new_per_day=10, days=30, seed=1)
    data = build_items(log.rows, tz=UTC)
    assert 0 < data.n < MIN_REVIEWS
    r = fit_items(data)
    assert r.needed == MIN_REVIEWS - data.n and r.params is None and not r.adopt
    assert r.to_dict()["needed"] == r.needed


# -- retention -----------------------------------------------------------------------------------


def test_retention_sweep_recommends_least_time_per_remembered_card() -> None:
    s = sweep(TRUE_PARAMETERS, retentions=(0.70, 0.80, 0.90, 0.97))
    costs = [p.seconds_per_remembered for p in s.points]
    assert s.best.seconds_per_remembered == min(costs) and s.best.retention in (0.70, 0.80, 0.90, 0.97)
    assert costs[-1] > costs[2]  # 0.97 costs more per remembered card than 0.90
    assert s.points[-1].reviews_per_day > s.points[0].reviews_per_day  # more retention, more reviews


def test_user_behaviour_reads_grades_and_times_from_the_log() -> None:
    rows = [Row(f"c{i}", i, 3 if i % 4 else 1, state_before=0, duration_ms=8000) for i in range(100)]
    b = user_behaviour(rows)
    assert b["first_rating_prob"] == [0.25, 0.0, 0.75, 0.0]
    assert b["costs"] == {"0:3": 8.0}  # 25 Again answers: too few for their own cost
    assert user_behaviour(rows[:10]) == {}  # too few: simulator defaults


def test_engine_errors_and_rust_panics_become_one_line() -> None:
    from gdstudy.errors import GdstudyError
    from gdstudy.optimize.engine import guarded

    class PanicException(BaseException):  # what pyo3 raises when Rust panics
        pass

    for exc in (ValueError("invalid input"), PanicException("called `Result::unwrap()`")):
        with pytest.raises(GdstudyError, match="fsrs-rs"):
            with guarded("fit these reviews"):
                raise exc
    with pytest.raises(KeyboardInterrupt):  # anything else goes through
        with guarded("fit"):
            raise KeyboardInterrupt
