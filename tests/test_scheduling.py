"""Scheduling: pinned time, previews == applied result (same fuzz draw), queue order and limits."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gdstudy.config import Settings, load_settings, parse_steps
from gdstudy.deck import Card, load_deck
from gdstudy.errors import ConfigError
from gdstudy.scheduling import Grade, build_queue, fsrs_id, make_scheduler, preview
from gdstudy.session import ReviewSession
from gdstudy.store import CardState, Store
from gdstudy.timeutil import day_start, format_interval
from tests.conftest import T0, Clock


def card(cid: str) -> Card:
    return Card(id=cid, front="Q", back="A", tags=("t",), source="s", path="x.yaml", line=1)


def state(cid: str, st: int, due: datetime, **kw: object) -> CardState:
    return CardState(cid, st, None if st == 2 else 0, 5.0, 5.0, due, due - timedelta(days=5), **kw)  # type: ignore[arg-type]


def test_fsrs_id_is_stable_and_positive() -> None:
    assert fsrs_id("sgd-update-rule") == fsrs_id("sgd-update-rule")
    assert fsrs_id("a") != fsrs_id("b")
    assert 0 < fsrs_id("a") < 2**63


def test_naive_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        preview(make_scheduler(Settings()), card("a"), None, datetime(2026, 1, 1))


def test_new_card_previews_follow_learning_steps() -> None:
    out = preview(make_scheduler(Settings(enable_fuzz=False)), card("a"), None, T0)
    assert out[Grade.AGAIN].interval == timedelta(minutes=1)
    assert out[Grade.GOOD].interval == timedelta(minutes=10)
    assert out[Grade.EASY].interval >= timedelta(days=1)
    assert [format_interval(out[g].interval) for g in (Grade.AGAIN, Grade.GOOD)] == ["1m", "10m"]
    assert all(o.after.reps == 1 and o.after.lapses == 0 for o in out.values())


def test_preview_is_what_grading_applies_with_fuzz_on(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    """Fuzz draws from the module-level random: a fresh review_card call would give another
    interval, so the session must apply the outcome it previewed."""
    deck = load_deck([], [small_deck_dir], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=True), clock=clock)
    c = deck.by_id["alpha"]
    s.grade(c, s.preview(c)[Grade.EASY])
    for _ in range(4):  # grow the interval so fuzz applies (≥ 3 days)
        clock.t = s.state("alpha").due
        s.grade(c, s.preview(c)[Grade.GOOD])
    clock.t = s.state("alpha").due
    random.seed(1)
    shown = s.preview(c)
    random.seed(2)
    other = s.preview(c)
    assert shown[Grade.GOOD].interval.days > 7
    assert any(shown[g].after.due != other[g].after.due for g in (Grade.GOOD, Grade.EASY)), "fuzz did not apply"
    random.seed(3)  # any draws between preview and grade must not change what is applied
    s.grade(c, shown[Grade.GOOD])
    assert s.store.state("alpha") == shown[Grade.GOOD].after
    assert s.store.state("alpha").due == clock.t + shown[Grade.GOOD].interval


def test_lapse_counts_only_from_review_state() -> None:
    sch = make_scheduler(Settings(enable_fuzz=False))
    rev = state("a", 2, T0)
    assert preview(sch, card("a"), rev, T0)[Grade.AGAIN].after.lapses == 1
    assert preview(sch, card("a"), rev, T0)[Grade.AGAIN].after.state == 3  # relearning
    learning = state("a", 1, T0)
    assert preview(sch, card("a"), learning, T0)[Grade.AGAIN].after.lapses == 0


def test_queue_order_learning_then_reviews_then_new() -> None:
    cards = [card(c) for c in ("n1", "r-late", "l1", "r-early", "n2", "future", "relearn")]
    states = {
        "r-late": state("r-late", 2, T0 - timedelta(hours=1)),
        "r-early": state("r-early", 2, T0 - timedelta(days=2)),
        "l1": state("l1", 1, T0 - timedelta(minutes=1)),
        "relearn": state("relearn", 3, T0 - timedelta(minutes=5)),
        "future": state("future", 2, T0 + timedelta(days=3)),
    }
    q = build_queue(cards, states, T0, Settings())
    assert q.card_ids == ("relearn", "l1", "r-early", "r-late", "n1", "n2")
    assert (q.counts.new, q.counts.learning, q.counts.review) == (2, 2, 2)


def test_daily_limits_count_todays_reviews() -> None:
    cards = [card(f"n{i}") for i in range(10)] + [card(f"r{i}") for i in range(5)]
    states = {f"r{i}": state(f"r{i}", 2, T0 - timedelta(days=1)) for i in range(5)}
    settings = Settings(new_per_day=4, max_reviews_per_day=3)
    q = build_queue(cards, states, T0, settings, {"new": 1, "review": 2})
    assert q.card_ids == ("r0", "r1", "r2", "r3", "r4")[:1] + ("n0", "n1", "n2")
    q = build_queue(cards, states, T0, replace(settings, new_per_day=0, max_reviews_per_day=0))
    assert q.card_ids == () and q.next is None


def test_learn_ahead_only_when_nothing_else_is_due() -> None:
    cards = [card("soon"), card("n")]
    states = {"soon": state("soon", 1, T0 + timedelta(minutes=5))}
    assert build_queue(cards, states, T0, Settings()).card_ids == ("n",)
    q = build_queue(cards, states, T0, Settings(), {"new": 20})
    assert q.card_ids == ("soon",) and q.counts.learning == 1
    assert build_queue(cards, states, T0, Settings(learn_ahead_minutes=0), {"new": 20}).card_ids == ()


def test_suspended_and_buried_are_skipped() -> None:
    cards = [card("s"), card("b"), card("ok")]
    states = {
        "s": state("s", 2, T0 - timedelta(days=1), suspended=True),
        "b": state("b", 2, T0 - timedelta(days=1), buried_until=T0 + timedelta(hours=3)),
        "ok": state("ok", 2, T0 - timedelta(days=1)),
    }
    assert build_queue(cards, states, T0, Settings()).card_ids == ("ok",)
    assert build_queue(cards, states, T0 + timedelta(hours=4), Settings()).card_ids == ("b", "ok")


def test_session_limits_hold_across_sessions(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    settings = Settings(enable_fuzz=False, new_per_day=2)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), settings, clock=clock)
    for _ in range(2):
        c = s.next_card()
        s.grade(c, s.preview(c)[Grade.EASY])
    assert s.next_card() is None
    s.store.close()
    again = ReviewSession(deck, Store(tmp_path / "g.db"), settings, clock=clock)
    assert again.next_card() is None  # today's two new cards are remembered
    assert again.next_due() == day_start(clock.t, 4) + timedelta(days=1)
    clock.t = again.next_due()
    assert again.next_card().id == "gamma"


def test_day_start_rolls_over_at_hour() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    start = day_start(now, 4)
    assert start <= now < start + timedelta(days=1)
    assert start.astimezone().hour == 4


def test_settings_flags_and_config(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('decks = ["mine"]\n[scheduling]\ndesired_retention = 0.85\nlearning_steps = ["2m", "15m"]\nnew_per_day = 5\n')
    s = load_settings({"new_per_day": 7}, path=cfg)
    assert s.desired_retention == 0.85 and s.new_per_day == 7
    assert s.learning_steps == (timedelta(minutes=2), timedelta(minutes=15))
    assert s.decks == (tmp_path / "mine",)
    assert parse_steps("30s, 1h,1d") == (timedelta(seconds=30), timedelta(hours=1), timedelta(days=1))
    for bad, msg in (
        ("desired_retention = 1.0", "between 0 and 1"),
        ("new_per_day = -1", "must be ≥ 0"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ("new_per_day = 'many'", "must be a whole number"),
        ("learning_steps = 'soon'", "bad learning_steps entry 'soon'"),
        ("x = [", "config.toml"),
    ):
        cfg.write_text(bad + "\n")
        with pytest.raises(ConfigError, match=msg):
            load_settings(path=cfg)


def test_counts_are_todays_plan_cards_show_when_due() -> None:
    """Issue 11: the header counted only what was due this second ("0 learning" right after Again)."""
    from gdstudy.scheduling import due_today

    cards = [card(c) for c in ("step", "evening", "tomorrow", "relearn-later", "n1", "n2")]
    states = {
        "step": state("step", 1, T0 + timedelta(minutes=1)),        # learning, waiting for its step
        "relearn-later": state("relearn-later", 3, T0 + timedelta(hours=3)),
        "evening": state("evening", 2, T0 + timedelta(hours=6)),    # review due later today
        "tomorrow": state("tomorrow", 2, T0 + timedelta(days=1)),  # after the 4 a.m. rollover
    }
    q = build_queue(cards, states, T0, Settings())
    assert (q.counts.new, q.counts.learning, q.counts.review) == (2, 2, 1)
    assert q.card_ids == ("n1", "n2")  # each is shown only once its due time has come
    assert due_today(cards, states, T0, Settings()).ids == {"step", "relearn-later", "evening", "n1", "n2"}
    later = build_queue(cards, states, T0 + timedelta(hours=6), Settings(new_per_day=2), {"new": 2})
    assert later.card_ids == ("step", "relearn-later", "evening")
