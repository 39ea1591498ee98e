"""Bury, suspend, leeches, cram and stats at the session level (time pinned, fuzz off)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.stats import streak
from gdstudy.store import Store
from gdstudy.timeutil import day_start
from tests.conftest import Clock

SETTINGS = Settings(enable_fuzz=False)


@pytest.fixture
def make(small_deck_dir: Path, tmp_path: Path, clock: Clock):  # type: ignore[no-untyped-def]
    deck = load_deck([], [small_deck_dir], check_demos=False)

    def _make(**kw: object) -> ReviewSession:
        settings = kw.pop("settings", SETTINGS)
        return ReviewSession(deck, Store(tmp_path / "g.db"), settings, clock=clock, **kw)  # type: ignore[arg-type]

    return _make


def grade(s: ReviewSession, cid: str, g: Grade) -> None:
    c = s.deck.by_id[cid]
    s.grade(c, s.preview(c)[g])


def test_bury_hides_until_next_day_and_undo(make, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    s = make()
    assert s.next_card().id == "alpha"
    until = s.bury("alpha")
    assert until == day_start(clock.t, 4) + timedelta(days=1)
    assert s.next_card().id == "beta"
    assert s.state("alpha").is_new  # buried new card is still new
    assert s.counts().new == 2
    clock.t = until
    assert s.next_card().id == "alpha"
    clock.t -= timedelta(minutes=1)
    assert s.undo().what == "bury"
    assert s.next_card().id == "alpha" and s.store.state("alpha") is None


def test_suspend_and_unsuspend_persist(make) -> None:  # type: ignore[no-untyped-def]
    s = make()
    s.suspend("alpha")
    s.store.close()
    s2 = make()
    assert s2.next_card().id == "beta"
    assert s2.state("alpha").suspended
    s2.unsuspend("alpha")
    assert s2.next_card().id == "alpha" and not s2.store.state("alpha").suspended


def test_a_card_lapsing_to_the_threshold_becomes_a_suspended_leech(make, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    s = make(settings=replace(SETTINGS, leech_threshold=3))
    grade(s, "alpha", Grade.EASY)
    for lapse in range(1, 4):
        clock.t = s.state("alpha").due
        grade(s, "alpha", Grade.AGAIN)  # a lapse (review -> relearning)
        assert s.state("alpha").lapses == lapse
        assert s.state("alpha").leech == (lapse == 3)
        if lapse < 3:
            clock.advance(minutes=10)
            grade(s, "alpha", Grade.EASY)  # back to review
    st = s.store.state("alpha")
    assert st.leech and st.suspended
    clock.advance(days=400)
    assert "alpha" not in s.queue().card_ids
    s.undo()  # undoing the lapse undoes the leech too
    assert not s.state("alpha").leech and not s.store.state("alpha").suspended


def test_cram_reviews_everything_and_changes_no_schedule(make, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    s = make()
    grade(s, "alpha", Grade.EASY)
    before = s.store.states()
    s.store.close()
    cram = make(cram=True, seed=7)
    assert set(cram.queue().card_ids) == {"alpha", "beta", "gamma"}
    seen = []
    while (c := cram.next_card()) is not None:
        seen.append(c.id)
        g = Grade.AGAIN if seen.count(c.id) == 1 and c.id == "beta" else Grade.GOOD
        cram.grade(c, cram.preview(c)[g])
    assert sorted(seen) == ["alpha", "beta", "beta", "gamma"]  # Again comes back once more
    assert cram.store.states() == before  # scheduling untouched
    kinds = [(e.kind, e.card_id) for e in cram.store.log()]
    assert kinds.count(("cram", "beta")) == 2 and len(kinds) == 5
    assert cram.store.count_log(since=clock.t - timedelta(days=1)) == {"new": 1, "learning": 0, "review": 0}
    st = cram.stats()
    assert st.cram_today == 4 and st.reviews_today == 1


def test_cram_by_tag(make) -> None:  # type: ignore[no-untyped-def]
    s = make(cram=True, tags=("letters",), seed=1)
    assert sorted(s.queue().card_ids) == ["alpha", "gamma"]


def test_stats_from_a_seeded_history(make, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    s = make()
    start = clock.t
    # day 1: all three new cards graduate with Easy
    for cid in ("alpha", "beta", "gamma"):
        grade(s, cid, Grade.EASY)
    # later reviews of mature cards: alpha remembered, beta forgotten, gamma remembered
    for cid, g in (("alpha", Grade.GOOD), ("beta", Grade.AGAIN), ("gamma", Grade.HARD)):
        clock.t = s.state(cid).due
        grade(s, cid, g)
    s.suspend("gamma")
    st = s.stats()
    assert st.retention == pytest.approx(2 / 3) and st.retention_reviews == 2 + 1
    assert st.by_state["review"] == 2 and st.by_state["relearning"] == 1 and st.by_state["suspended"] == 1
    assert st.by_state["new"] == 0
    from gdstudy.stats import study_day

    last = st.forecast[-1][0]
    expected = sum(study_day(s.state(c).due, 4) <= last for c in ("alpha", "beta"))
    assert sum(n for _, n in st.forecast) == expected >= 1  # suspended gamma is not forecast
    assert st.forecast[0][1] >= 1  # relearning beta is due today
    assert st.streak == 1  # reviews on day 1 and today, with a gap between
    letters = {t.tag: t for t in st.tags}["letters"]
    assert letters.cards == 2 and letters.studied == 2 and 0 < letters.recall_now <= 1
    assert clock.t > start + timedelta(days=2)


def test_streak_counts_consecutive_days() -> None:
    from datetime import date

    d = date(2026, 11, 22)
    days = [d - timedelta(days=i) for i in (0, 1, 2, 4)]
    assert streak(days, d) == 3
    assert streak(days[1:], d) == 2  # nothing yet today: the streak up to yesterday still counts
    assert streak([], d) == 0
