"""`gdstudy optimize` with the store: adopt, dry run, too few, reset and undo, the retention sweep,
scheduling from the stored parameters, stats --json calibration, the missing extra, and that review
start-up never imports the optimizer."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.optimize.engine import DEFAULT_PARAMETERS
from gdstudy.optimize.learner import TRUE_PARAMETERS, simulate_learner
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, ReviewRow, Store
from tests.conftest import Clock

pytest.importorskip("fsrs_rs_python")
from tests.conftest import run_cli as run  # noqa: E402




def fill(data: Path, **kw: int) -> int:
    """A simulated learner's log imported into the store (its cards are orphans: in no deck)."""
    log = simulate_learner(**kw)
    data.mkdir(parents=True, exist_ok=True)
    with Store(data / DB_NAME) as store:
        store.import_reviews([ReviewRow(**asdict(r)) for r in log.rows], lambda cid, hist: None)
    return len(log.rows)


@pytest.fixture(scope="module")
def learner_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("learner")
    fill(d, n_cards=1200, new_per_day=20, days=300, seed=3)
    return d / DB_NAME


@pytest.fixture
def data(tmp_path: Path, learner_db: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / DB_NAME).write_bytes(learner_db.read_bytes())
    return d


def active(data: Path):
    with Store(data / DB_NAME) as s:
        return s.active_params()


def test_optimize_adopts_better_parameters_and_dry_run_saves_nothing(data: Path) -> None:
    code, out = run("optimize", "--dry-run", "--data-dir", str(data))
    assert code == 0 and "dry run: nothing saved" in out and active(data) is None
    assert "orphans (cards no longer in a deck, counted): 1200" in out
    code, out = run("optimize", "--json", "--data-dir", str(data))
    assert code == 0, out
    res = json.loads(out)
    assert res["adopt"] and res["fitted"]["log_loss"] < res["default"]["log_loss"] and res["orphans"] == 1200
    row = active(data)
    assert row.params == res["params"] and row.n_reviews == res["recall_tests"]
    assert row.scores["log_loss"] == res["fitted"]["log_loss"] and row.scores["change"] == "fit"
    # run again: the fitted set is in force now and the new fit must beat it, not the defaults
    code, out = run("optimize", "--json", "--data-dir", str(data))
    again = json.loads(out)
    assert again["current_all"] is not None and again["new_all"] is not None


def test_too_few_reviews_keeps_defaults_and_says_how_many_more(tmp_path: Path) -> None:
    d = tmp_path / "few"
    fill(d, n_cards=30, new_per_day=10, days=30, seed=2)
    code, out = run("optimize", "--data-dir", str(d))
    assert code == 0 and "too few reviews to fit" in out and "more needed" in out
    assert active(d) is None
    res = json.loads(run("optimize", "--json", "--data-dir", str(d))[1])
    assert res["needed"] == 400 - res["recall_tests"] > 0 and res["params"] is None


def test_reset_and_undo_every_change(data: Path) -> None:
    code, out = run("optimize", "--reset", "--data-dir", str(data))
    assert code == 2 and "nothing to reset" in out
    code, out = run("optimize", "--undo", "--data-dir", str(data))
    assert code == 2 and out.startswith("error: nothing to undo")
    run("optimize", "--data-dir", str(data))
    fitted = active(data).params
    code, out = run("optimize", "--reset", "--data-dir", str(data))
    assert code == 0 and "FSRS-6 defaults" in out and not active(data).params
    code, out = run("optimize", "--history", "--data-dir", str(data))
    assert code == 0 and out.splitlines()[0].startswith("fit ") and out.splitlines()[1].startswith("reset ")
    code, out = run("optimize", "--undo", "--data-dir", str(data))
    assert code == 0 and active(data).params == fitted  # the reset is undone
    code, out = run("optimize", "--undo", "--data-dir", str(data))
    assert code == 0 and active(data) is None  # the fit is undone: defaults
    with Store(data / DB_NAME) as s:
        assert s.params_history() == []
    assert "never optimized" in run("optimize", "--history", "--data-dir", str(data))[1]


@pytest.fixture
def quick_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI sweep on 5 retentions and a 1,000-card deck (the full one is in the benchmark)."""
    from gdstudy.optimize import retention

    monkeypatch.setattr(retention, "RETENTIONS", (0.70, 0.80, 0.85, 0.90, 0.97))
    monkeypatch.setattr(retention, "DECK_SIZE", 1000)


def test_retention_sweep_is_saved_undoable_and_flags_win(data: Path, small_deck_dir: Path, clock: Clock, quick_sweep: None) -> None:
    code, out = run("optimize", "--retention", "--dry-run", "--data-dir", str(data))
    assert code == 0 and "recommended desired retention" in out and active(data) is None
    code, out = run("optimize", "--retention", "--json", "--data-dir", str(data))
    sweep = json.loads(out)
    rec = sweep["recommended"]
    assert [p["retention"] for p in sweep["points"]] == [0.70, 0.80, 0.85, 0.90, 0.97]
    assert rec == min(sweep["points"], key=lambda p: p["seconds_per_remembered"])["retention"]
    assert active(data).scores["desired_retention"] == rec
    deck = load_deck([], [small_deck_dir], check_demos=False)
    with Store(data / DB_NAME) as store:
        assert ReviewSession(deck, store, Settings(), explicit_retention=False).scheduler.desired_retention == rec
        assert ReviewSession(deck, store, Settings(desired_retention=0.85)).scheduler.desired_retention == 0.85
    run("optimize", "--undo", "--data-dir", str(data))
    assert active(data) is None


def test_scheduling_uses_the_stored_parameters_from_the_next_card(tmp_path: Path, small_deck_dir: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    store = Store(tmp_path / "g.db")
    s = ReviewSession(deck, store, Settings(enable_fuzz=False), clock=clock)
    for cid in ("alpha", "beta"):
        s.grade(deck.by_id[cid], s.preview(deck.by_id[cid])[Grade.EASY])
    clock.advance(days=30)
    before = s.preview(deck.by_id["beta"])[Grade.GOOD].interval
    store.save_params(list(TRUE_PARAMETERS), at=clock(), n_reviews=500, scores={"change": "fit"})
    after = s.preview(deck.by_id["beta"])[Grade.GOOD]  # same session, next card: the new set applies
    assert after.interval != before
    from fsrs import Card, Rating, Scheduler, State

    st = s.state("beta")
    expect, _ = Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False).review_card(
        Card(state=State(st.state), step=st.step, stability=st.stability, difficulty=st.difficulty,
             due=st.due, last_review=st.last_review), Rating.Good, review_datetime=clock())
    assert after.interval == expect.due - clock()
    store.undo_params()
    assert s.preview(deck.by_id["beta"])[Grade.GOOD].interval == before
    assert tuple(s.scheduler.parameters) == DEFAULT_PARAMETERS
    store.close()


def test_stats_json_includes_calibration(tmp_path: Path, small_deck_dir: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    data = tmp_path / "d"
    data.mkdir()
    with Store(data / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings(enable_fuzz=False), clock=clock)
        for day in range(60):
            for card in deck.cards:
                if s.state(card.id) is None or s.state(card.id).due <= clock():
                    s.grade(card, s.preview(card)[Grade.GOOD if day % 5 else Grade.AGAIN])
            clock.advance(days=1)
    code, out = run("stats", "--json", "--deck", str(small_deck_dir), "--data-dir", str(data))
    cal = json.loads(out)["calibration"]
    assert code == 0 and cal["n"] > 0 and sum(b["n"] for b in cal["bins"]) == cal["n"]
    assert cal["in_force"] == "defaults" and 0 < cal["log_loss"] < 2
    code, out = run("stats", "--deck", str(small_deck_dir), "--data-dir", str(data))
    assert "calibration: " in out and "in force now: defaults" in out


def test_missing_extra_is_one_clear_line(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)  # import fails as if not installed
    code, out = run("optimize", "--data-dir", str(data))
    assert code == 2 and out.strip().count("\n") == 0 and "gdstudy[optimize]" in out
    # everything else works without it: stats (calibration included), history, reset, undo
    code, out = run("stats", "--json", "--data-dir", str(data))
    assert code == 0 and json.loads(out)["calibration"]["n"] > 0
    assert run("optimize", "--history", "--data-dir", str(data))[0] == 0
    assert run("optimize", "--undo", "--data-dir", str(data))[0] == 2  # nothing to undo: one line, not a crash


def test_review_start_up_does_not_import_the_optimizer(tmp_path: Path, small_deck_dir: Path) -> None:
    code = f"""
import sys
from datetime import datetime, timezone
import gdstudy.cli
from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.scheduling import Grade
deck = load_deck([], [{str(small_deck_dir)!r}], check_demos=False)
s = ReviewSession(deck, Store({str(tmp_path / 'x.db')!r}), Settings())
c = s.next_card()
s.grade(c, s.preview(c)[Grade.GOOD])
from gdstudy.tui import make_app
import gdstudy.tui.stats
make_app(s)
heavy = [m for m in ("fsrs_rs_python", "gdstudy.optimize.fit", "gdstudy.optimize.engine", "gdstudy.optimize.calibration") if m in sys.modules]
print(heavy)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_config_retention_wins_and_conflicting_flags(data: Path, isolated_home: Path, quick_sweep: None) -> None:
    code, out = run("optimize", "--reset", "--undo", "--data-dir", str(data))
    assert code == 2 and "choose one of" in out
    code, out = run("optimize", "--undo", "--dry-run", "--data-dir", str(data))
    assert code == 2 and "--dry-run applies" in out
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("[scheduling]\ndesired_retention = 0.8\n")
    from gdstudy.cli import _retention_explicit

    assert _retention_explicit(None) and _retention_explicit(0.85)
    code, out = run("optimize", "--retention", "--dry-run", "--data-dir", str(data))
    assert code == 0 and "desired retention 0.80; that still wins" in out
    (isolated_home / "config.toml").write_text("")
    assert not _retention_explicit(None)


def test_stored_parameters_outside_py_fsrs_bounds_never_break_scheduling(tmp_path: Path, small_deck_dir: Path, clock: Clock) -> None:
    from gdstudy.scheduling import usable_parameters

    edge = list(TRUE_PARAMETERS)
    edge[20] = 0.800000011920929  # float32 0.8 from fsrs-rs: py-fsrs' upper bound is 0.8
    assert usable_parameters(edge)[20] == 0.8
    assert usable_parameters([1.0] * 5) == DEFAULT_PARAMETERS  # not 21 numbers
    assert usable_parameters([float("nan")] * 21) == DEFAULT_PARAMETERS
    deck = load_deck([], [small_deck_dir], check_demos=False)
    with Store(tmp_path / "g.db") as store:
        store.save_params(edge, at=clock(), n_reviews=400, scores={})
        s = ReviewSession(deck, store, Settings(), clock=clock)
        assert s.preview(deck.by_id["alpha"])[Grade.GOOD].interval > timedelta(0)
