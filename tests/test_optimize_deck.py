"""`gdstudy optimize --retention` simulates the user's own deck (issue 21 item 8): its size, its reviewed
cards from their stored states, the configured limits; the output says so."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.errors import GdstudyError
from gdstudy.optimize import retention
from gdstudy.optimize.simdeck import sim_deck
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.store import DB_NAME, CardState, Store
from tests.conftest import Clock

pytest.importorskip("fsrs_rs_python")
from tests.conftest import run_cli as run  # noqa: E402

NOW = datetime.now(timezone.utc)


def deck_yaml(n: int) -> str:
    cards = "".join(f"  - id: c{i:03d}\n    front: Question {i}?\n    back: Answer {i}.\n    tags: [t]\n    source: notes.md § Generated\n" for i in range(n))
    return f"deck: mine\ndescription: generated\ncards:\n{cards}"


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Three retentions instead of 28; every call into the library recorded (config and cards)."""
    import fsrs_rs_python

    monkeypatch.setattr(retention, "RETENTIONS", (0.75, 0.85, 0.95))
    calls: list[dict[str, Any]] = []
    real = fsrs_rs_python.optimal_retention

    def spy(config: Any, params: Any, cards: Any = None, target: Any = None) -> float:
        calls.append({"deck_size": config.deck_size, "learn_limit": config.learn_limit,
                      "review_limit": config.review_limit, "cards": len(cards),
                      "reviewed": sorted(round(c.stability, 4) for c in cards if c.last_date != float("-inf")),
                      "retentions": {round(c.desired_retention, 2) for c in cards},
                      "suspend_after_lapses": config.suspend_after_lapses})
        return real(config, params, cards, target)

    monkeypatch.setattr(fsrs_rs_python, "optimal_retention", spy)
    return calls


def user_data(tmp_path: Path, isolated_home: Path, n_cards: int, graded: tuple[str, ...]) -> tuple[Path, Path]:
    """A deck folder of `n_cards`, `graded` of them reviewed (a small history over two weeks), a
    config with new/day 7 and reviews/day 33."""
    deck_dir = tmp_path / f"deck{n_cards}"
    deck_dir.mkdir()
    (deck_dir / "mine.yaml").write_text(deck_yaml(n_cards), encoding="utf-8")
    isolated_home.mkdir(exist_ok=True)
    (isolated_home / "config.toml").write_text("[scheduling]\nnew_per_day = 7\nmax_reviews_per_day = 33\n")
    data = tmp_path / f"data{n_cards}"
    data.mkdir()
    deck = load_deck([], [deck_dir], check_demos=False)
    clock = Clock(NOW - timedelta(days=14))
    with Store(data / DB_NAME) as store:
        s = ReviewSession(deck, store, Settings(enable_fuzz=False), clock=clock)
        for day in range(3):
            for cid in graded:
                card = deck.by_id[cid]
                s.grade(card, s.preview(card)[Grade.GOOD if day else Grade.EASY])
            clock.advance(days=4)
    return deck_dir, data


def test_output_names_the_users_deck_and_limits(tmp_path: Path, isolated_home: Path, quick: list) -> None:
    deck_dir, data = user_data(tmp_path, isolated_home, 12, ("c000", "c001", "c002"))
    code, out = run("optimize", "--retention", "--dry-run", "--deck", deck_dir, "--data-dir", data)
    assert code == 0, out
    shipped = len(load_deck([Path(__file__).parents[1] / "cards"], [], check_demos=False).cards)
    n = shipped + 12
    assert f"simulated your deck: {n} cards (3 reviewed, {n - 3} new), limits 7 new/day, 33 reviews/day, over 365 days" in out
    assert "reviewed cards start from their stored stability" in out and "answer times: the simulator's defaults" in out
    # what was passed: the deck's size, the limits, the three reviewed cards with their stored stability
    with Store(data / DB_NAME) as store:
        stored = sorted(round(store.state(c).stability, 4) for c in ("c000", "c001", "c002"))
    assert len(quick) == 3  # one library call per retention swept
    for call, r in zip(quick, (0.75, 0.85, 0.95)):
        assert call["deck_size"] == call["cards"] == n and call["learn_limit"] == 7 and call["review_limit"] == 33
        assert call["reviewed"] == stored and call["retentions"] == {r} and call["suspend_after_lapses"] == 8


def test_deck_size_changes_what_is_passed(tmp_path: Path, isolated_home: Path, quick: list) -> None:
    sizes = []
    for n in (5, 40):
        deck_dir, data = user_data(tmp_path, isolated_home, n, ("c000",))
        quick.clear()
        code, out = run("optimize", "--retention", "--dry-run", "--json", "--deck", deck_dir, "--data-dir", data)
        assert code == 0, out
        cfg = json.loads(out)["config"]
        assert cfg["your_deck"] and cfg["reviewed"] == 1 and cfg["cards"] == cfg["deck_size"] == quick[0]["deck_size"]
        assert cfg["new_per_day"] == 7 and cfg["reviews_per_day"] == 33
        sizes.append(quick[0]["cards"])
    assert sizes[1] - sizes[0] == 35


def _state(cid: str, **kw: Any) -> CardState:
    base = dict(state=2, step=None, stability=12.5, difficulty=6.0, due=NOW + timedelta(days=3),
                last_review=NOW - timedelta(days=9), reps=4, lapses=1)
    return CardState(cid, **(base | kw))  # type: ignore[arg-type]


def test_sim_deck_starting_states() -> None:
    states = {
        "rev": _state("rev"),
        "late": _state("late", due=NOW - timedelta(days=5)),  # overdue: due today
        "learn": _state("learn", state=1, step=0, stability=0.4, due=NOW + timedelta(minutes=10), last_review=NOW),
        "susp": _state("susp", suspended=True),
        "flag": CardState("flag", 0, None, None, None, NOW, None, buried_until=NOW + timedelta(days=1)),
        "orphan": _state("orphan"),
    }
    d = sim_deck(["rev", "late", "learn", "susp", "flag", "new1", "new2", "rev"], states, NOW, Settings(new_per_day=3))
    assert (d.size, d.new, d.suspended, d.learning) == (6, 3, 1, 1)  # new1, new2, flag; orphan not in the deck
    rev, late, learn = d.reviewed
    assert (rev.stability, rev.difficulty, rev.lapses) == (12.5, 6.0, 1)
    assert -10 <= rev.last_day <= -8 and 2 <= rev.due_day <= 4
    assert late.due_day == 0 and learn.last_day == 0 and learn.due_day in (0, 1)
    assert d.limits["new_per_day"] == 3 and d.limits["reviews_per_day"] == 200


def test_config_and_cards_follow_the_deck() -> None:
    small = sim_deck(["a", "b"], {"a": _state("a")}, NOW, Settings(new_per_day=4, max_reviews_per_day=9, leech_threshold=0))
    big = sim_deck([f"n{i}" for i in range(30)], {}, NOW, Settings())
    c_small, c_big = retention.build_config({}, small), retention.build_config({}, big)
    assert (c_small.deck_size, c_small.learn_limit, c_small.review_limit, c_small.suspend_after_lapses) == (2, 4, 9, None)
    assert (c_big.deck_size, c_big.learn_limit, c_big.review_limit) == (30, 20, 200)
    assert c_small.max_cost_perday == retention.NO_TIME_LIMIT
    cards = retention.start_cards(small, list(retention.engine().DEFAULT_PARAMETERS), 0.83)
    assert len(cards) == 2 and len(retention.start_cards(big, [0.2] * 21, 0.9)) == 30
    first, new = cards
    assert abs(first.stability - 12.5) < 1e-5 and first.last_date < 0 < first.due
    assert new.last_date == float("-inf") and all(abs(c.desired_retention - 0.83) < 1e-6 for c in cards)


def test_the_users_deck_changes_the_result(quick: list) -> None:
    """The starting states matter: a deck of well-learned cards costs less a day than the same number of new ones."""
    params = list(retention.engine().DEFAULT_PARAMETERS)
    fresh = sim_deck([f"n{i}" for i in range(40)], {}, NOW, Settings())
    states = {f"n{i}": _state(f"n{i}", stability=200.0, due=NOW + timedelta(days=100 + i)) for i in range(40)}
    learned = sim_deck(list(states), states, NOW, Settings())
    a, b = retention.sweep(params, deck=fresh, retentions=(0.9,)), retention.sweep(params, deck=learned, retentions=(0.9,))
    assert b.points[0].minutes_per_day < a.points[0].minutes_per_day / 3
    assert b.config["reviewed"] == 40 and a.config["new"] == 40


def test_an_empty_deck_is_one_line(tmp_path: Path, isolated_home: Path, quick: list) -> None:
    with pytest.raises(GdstudyError, match="no cards to simulate"):
        retention.sweep([0.2] * 21, deck=sim_deck([], {}, NOW, Settings()))


def _fake_search(values: list[float]):  # type: ignore[no-untyped-def]
    """An optimal_retention that feeds `target` one fake run per value."""
    from types import SimpleNamespace

    def fake(config: Any, params: Any, cards: Any = None, target: Any = None) -> float:
        for v in values:
            target(SimpleNamespace(cost_per_day=[v, 1.0], review_cnt_per_day=[1, 1], memorized_cnt_per_day=[1.0, 2.0]), params)
        return 0.9

    return fake


def test_the_search_must_not_change_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import fsrs_rs_python

    deck = sim_deck(["a", "b"], {"a": _state("a")}, NOW, Settings())
    same = [float(i % 8) for i in range(16)]  # two seeds alike: each value twice a round
    monkeypatch.setattr(fsrs_rs_python, "optimal_retention", _fake_search(same * 3))
    s = retention.sweep([0.2] * 21, deck=deck, retentions=(0.9,))
    assert s.points[0].minutes_per_day == pytest.approx((sum(same) / 16 + 1) / 60 / retention.LEARN_SPAN)
    moved = same * 2 + [float(i) + 0.5 for i in range(16)]  # the third round differs: the searched value mattered
    monkeypatch.setattr(fsrs_rs_python, "optimal_retention", _fake_search(moved))
    with pytest.raises(GdstudyError, match="simulates the given cards differently"):
        retention.sweep([0.2] * 21, deck=deck, retentions=(0.9,))


def test_nothing_to_learn_is_refused() -> None:
    with pytest.raises(GdstudyError, match="new_per_day is 0"):
        retention.sweep([0.2] * 21, deck=sim_deck(["a"], {}, NOW, Settings(new_per_day=0)))
