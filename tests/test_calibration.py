"""Calibration: predicted recall (what the parameters in force gave each review) vs actual recall,
checked against a direct computation with py-fsrs made while the grades were given."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from gdstudy.config import Settings
from gdstudy.deck import Card
from gdstudy.optimize.calibration import BIN_WIDTH, calibrate, params_at
from gdstudy.optimize.engine import DEFAULT_PARAMETERS
from gdstudy.optimize.learner import TRUE_PARAMETERS
from gdstudy.scheduling import Grade, _to_fsrs, make_scheduler, preview
from gdstudy.store import ReviewRow, to_ms
from tests.conftest import T0


def make_log(n_cards: int = 60, days: int = 120, seed: int = 5, switch: datetime | None = None):
    """Grade cards with the real scheduler (TRUE_PARAMETERS from `switch` on); recall drawn at random
    (~85%); some cram rows. Returns the log rows and, computed independently as the grades were
    made, py-fsrs' retrievability of each recall test from the state the scheduler in force had."""
    rng = random.Random(seed)
    settings = Settings(enable_fuzz=False)
    default, other = make_scheduler(settings), make_scheduler(settings, TRUE_PARAMETERS)
    cards = [Card(id=f"c{i}", front="Q", back="A", tags=("t",), source="s", path="x.yaml", line=1) for i in range(n_cards)]
    states: dict = {}
    rows: list[ReviewRow] = []
    preds: list[float] = []
    ys: list[float] = []
    t = T0
    for _ in range(days * 4):
        t += timedelta(hours=6)
        sch = other if switch is not None and t >= switch else default
        for c in cards:
            st = states.get(c.id)
            if st is not None and st.due > t:
                continue
            g = Grade.GOOD if rng.random() < 0.85 else Grade.AGAIN
            kind = "cram" if rng.random() < 0.05 else "review"
            rows.append(ReviewRow(c.id, to_ms(t), int(g), None, kind, st.state if st else 0))
            if kind == "cram":
                continue
            if st is not None and (t - st.last_review).days >= 1:
                preds.append(sch.get_card_retrievability(_to_fsrs(c.id, st, t), t))
                ys.append(float(g > 1))
            states[c.id] = preview(sch, c, st, t)[g].after
    return rows, preds, ys


def check_equal(log, history: list) -> None:
    rows, preds, ys = log
    cal = calibrate(rows, history, Settings(enable_fuzz=False))
    assert cal.n == len(preds) > 100
    ll = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in zip(preds, ys)) / len(ys)
    assert cal.log_loss == pytest.approx(ll, rel=1e-9)
    by_bin: dict[int, list[tuple[float, float]]] = {}
    for p, y in zip(preds, ys):
        by_bin.setdefault(min(int(p / BIN_WIDTH), round(1 / BIN_WIDTH) - 1), []).append((p, y))
    assert [round(b.lo / BIN_WIDTH) for b in cal.bins] == sorted(by_bin)
    for b in cal.bins:
        v = by_bin[round(b.lo / BIN_WIDTH)]
        assert b.n == len(v)
        assert b.predicted == pytest.approx(sum(p for p, _ in v) / len(v), rel=1e-9)
        assert b.actual == pytest.approx(sum(y for _, y in v) / len(v), rel=1e-12)
    rmse = math.sqrt(sum(b.n * (b.predicted - b.actual) ** 2 for b in cal.bins) / cal.n)
    assert cal.rmse_bins == pytest.approx(rmse)


def test_calibration_equals_direct_computation_with_defaults() -> None:
    log = make_log()
    check_equal(log, [])
    cal = calibrate(log[0], [])
    assert cal.in_force == "defaults" and sum(b.n for b in cal.bins) == cal.n
    assert len(cal.bins) >= 2  # a spread of predictions, not one bin


def test_calibration_uses_the_parameters_in_force_at_each_review() -> None:
    mid = T0 + timedelta(days=60, hours=1)
    history = [SimpleNamespace(at=mid, params=list(TRUE_PARAMETERS), n_reviews=500,
                               scores={"log_loss": 0.3, "rmse_bins": 0.04, "heldout": 400})]
    log = make_log(switch=mid)
    check_equal(log, history)
    with_switch, without = calibrate(log[0], history), calibrate(log[0], [])
    assert with_switch.log_loss != without.log_loss  # the later reviews were predicted by the other set
    assert with_switch.in_force.startswith("fitted") and with_switch.heldout["log_loss"] == 0.3
    assert params_at(history, mid - timedelta(seconds=1)) == DEFAULT_PARAMETERS
    assert params_at(history, mid) == tuple(TRUE_PARAMETERS)


def test_calibration_excludes_cram_partial_histories_and_handles_empty() -> None:
    rows, _, _ = make_log(n_cards=5, days=30)
    assert calibrate([r for r in rows if r.kind == "cram"], []).n == 0
    partial = [r for r in rows if not (r.card_id == "c0" and r.state_before == 0)]  # c0 lost its first review
    assert calibrate(partial, []).n < calibrate(rows, []).n
    empty = calibrate([], [])
    assert empty.n == 0 and empty.log_loss is None and empty.bins == [] and empty.to_dict()["n"] == 0


# -- the stats screen's calibration section (Pilot) -----------------------------------------------


@pytest.mark.parametrize("size,sync_rows", [((80, 24), 2000), ((160, 50), 0)])
async def test_stats_screen_shows_calibration_table_and_plot(tmp_path, small_deck_dir, clock, size, sync_rows, monkeypatch) -> None:
    from gdstudy.deck import load_deck
    from gdstudy.session import ReviewSession
    from gdstudy.store import Store
    from gdstudy.tui import make_app
    from gdstudy.tui import calibration
    from gdstudy.tui.calibration import CalibrationPanel

    monkeypatch.setattr(calibration, "SYNC_ROWS", sync_rows)  # 0: the worker-thread path

    deck = load_deck([], [small_deck_dir], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    for day in range(90):
        for card in deck.cards:
            st = s.state(card.id)
            if st is None or st.due <= clock():
                s.grade(card, s.preview(card)[Grade.AGAIN if day % 7 == 3 else Grade.GOOD])
        clock.advance(days=1)
    app = make_app(s)
    async with app.run_test(size=size) as pilot:
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen.query_one(CalibrationPanel)
        cal = panel.calibration
        assert cal is not None and cal.n > 0
        assert cal.to_dict() == s.stats().calibration.to_dict()  # the same numbers as `stats --json`
        assert panel.query_one("#cal-table").row_count == len(cal.bins)
        text = str(panel.query_one("#cal-text").render())
        assert f"{cal.n} recall tests" in text and f"log loss {cal.log_loss:.4f}" in text
        assert panel.query_one("#cal-row").display
    s.store.close()


def _studied_session(tmp_path, small_deck_dir, clock):
    from gdstudy.deck import load_deck
    from gdstudy.session import ReviewSession
    from gdstudy.store import Store

    deck = load_deck([], [small_deck_dir], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "snap.db"), Settings(enable_fuzz=False), clock=clock)
    for day in range(90):
        for card in deck.cards:
            st = s.state(card.id)
            if st is None or st.due <= clock():
                s.grade(card, s.preview(card)[Grade.AGAIN if day % 7 == 3 else Grade.GOOD])
        clock.advance(days=1)
    return s


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_snapshot_calibration_panel(snap_compare, tmp_path, small_deck_dir, clock, monkeypatch, size) -> None:  # type: ignore[no-untyped-def]
    import time as _time

    from gdstudy.tui import make_app
    from gdstudy.tui.calibration import CalibrationPanel

    monkeypatch.setenv("TZ", "UTC")
    _time.tzset()
    s = _studied_session(tmp_path, small_deck_dir, clock)

    async def show(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        screen = pilot.app.screen
        for plot in ("#forecast", "#cal-plot"):  # plotext tick labels move a column between runs
            screen.query_one(plot).styles.visibility = "hidden"
        screen.query_one(CalibrationPanel).scroll_visible(animate=False)
        await pilot.pause()

    assert snap_compare(make_app(s), run_before=show, terminal_size=size)
