"""Issue 21 item 9: the per-tag number in stats is a named, defined quantity, "recall now": FSRS's
predicted probability of recalling a card at this moment, averaged over the tag's studied cards.
(It was "mastery", undefined where shown, and counted every never-reviewed card as 0.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.scheduling import Grade, _to_fsrs
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from tests.conftest import Clock


@pytest.fixture
def session(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def _grade(s: ReviewSession, cid: str, g: Grade) -> None:
    c = s.deck.by_id[cid]
    s.grade(c, s.preview(c)[g])


def test_recall_now_is_the_mean_predicted_recall_of_the_studied_cards(session: ReviewSession, clock: Clock) -> None:
    _grade(session, "alpha", Grade.EASY)         # alpha: tags greek, letters; beta and gamma stay new
    clock.advance(days=3)
    st = session.stats()
    by_tag = {t.tag: t for t in st.tags}
    state = session.state("alpha")
    r = session.scheduler.get_card_retrievability(_to_fsrs("alpha", state, clock.t), current_datetime=clock.t)
    assert 0 < r < 1
    for tag, cards in (("greek", 3), ("letters", 2)):
        t = by_tag[tag]
        assert (t.cards, t.studied) == (cards, 1)
        assert t.recall_now == pytest.approx(r)  # the new cards do not pull it down
        assert t.to_dict() == {"tag": tag, "cards": cards, "studied": 1, "recall_now": t.recall_now}


def test_a_tag_with_no_studied_card_has_no_recall_and_comes_last(session: ReviewSession, clock: Clock) -> None:
    st = session.stats()
    assert all(t.recall_now is None and t.studied == 0 for t in st.tags)
    _grade(session, "beta", Grade.GOOD)          # beta: greek only
    st = session.stats()
    assert [t.tag for t in st.tags] == ["greek", "letters"]
    assert st.tags[0].recall_now is not None and st.tags[1].recall_now is None


def test_cli_stats_names_and_defines_recall_now(small_deck_dir: Path) -> None:
    import json

    from gdstudy.stats import RECALL_NOW
    from tests.conftest import invoke_cli

    r = invoke_cli("stats", "--deck", small_deck_dir)
    assert r.exit_code == 0, r.output
    assert "mastery" not in r.output.lower()
    assert "recall now by tag" in r.output and RECALL_NOW in r.output  # the legend where it is shown
    j = json.loads(invoke_cli("stats", "--deck", small_deck_dir, "--json").output)
    assert j["tags"] and all(set(t) == {"tag", "cards", "studied", "recall_now"} for t in j["tags"])


def test_render_stats_shows_a_dash_for_a_tag_with_nothing_studied() -> None:
    from gdstudy.cli import render_stats
    from gdstudy.stats import Stats, TagRecall

    st = Stats(by_state={k: 0 for k in ("new", "learning", "review", "relearning", "suspended", "buried", "leech")},
               reviews_today=0, cram_today=0, retention=None, retention_reviews=0, cram_last_30d=0,
               tags=[TagRecall("sgd", 4, 2, 0.5), TagRecall("new-stuff", 3, 0, None)])
    lines = render_stats(st).splitlines()
    sgd = next(line for line in lines if "sgd" in line)
    fresh = next(line for line in lines if "new-stuff" in line)
    assert "50.0%" in sgd and "█" * 10 in sgd and "(2/4 studied)" in sgd
    assert " - " in fresh and "█" not in fresh and "(0/3 studied)" in fresh
