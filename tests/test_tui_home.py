"""Issue 21: the home screen, the review-session summary, the pinned question with keyboard
scrolling in every scrolling pane, and a mock interview that keeps everything (80x24 and 120x40)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interview import InterviewSession
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from gdstudy.tui.interview import InterviewScreen, InterviewSummaryScreen
from tests.conftest import Clock, run_cli

SMALL, LARGE = (80, 24), (120, 40)
SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])

LONG_BACK = "\n\n".join(f"Paragraph {i}: the gradient of the mean loss over the batch, step {i}." for i in range(40))
DECK = f"""\
- id: alpha
  front: What is the first question, about full-batch gradient descent?
  back: The first letter.
  tags: [greek, letters]
  source: 000_e0c09ec66bc19b89.txt § Batch gradient descent
  interview: true
- id: beta
  front: What is beta?
  back: The second letter.
  tags: [greek]
  source: 000_e0c09ec66bc19b89.txt § Mini-batches
  interview: true
- id: long
  front: Why does a long answer not scroll the question away?
  back: |
{chr(10).join('    ' + line for line in LONG_BACK.splitlines())}
  tags: [long]
  source: 001_e13f089455f4b340.txt § Problems
  interview: true
"""


@pytest.fixture(autouse=True)
def utc_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    d = tmp_path / "deck"
    d.mkdir()
    (d / "h.yaml").write_text(DECK, encoding="utf-8")
    return d


@pytest.fixture
def session(deck_dir: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [deck_dir], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


async def until(pilot: Any, cond: Any, limit: int = 400) -> None:
    """Let the app run until `cond()` holds (each pause lets pending messages and timers run)."""
    for _ in range(limit):
        if cond():
            return
        await pilot.pause()
    assert cond(), "condition never held"


# -- 6: the mock interview keeps everything ------------------------------------------------------

@SIZES
async def test_time_up_keeps_the_typed_answer_and_lists_cards_not_reached(session: ReviewSession, clock: Clock,
                                                                          size: tuple[int, int]) -> None:
    iv = InterviewSession(session, minutes=1, seed=1)
    order = [c.id for c in iv.cards]
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"typed but never revealed")
        clock.advance(minutes=2)
        await until(pilot, lambda: isinstance(app.screen, InterviewSummaryScreen))
        table = app.screen.query_one("#iv-cards")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    ((_, _, _, summary),) = session.store.interviews()
    assert summary["answers"] == [{"card_id": order[0], "answer": "typed but never revealed", "grade": None,
                                   "seconds": summary["answers"][0]["seconds"]}]
    assert summary["not_reached"] == order[1:]
    assert summary["answered"] == 0 and summary["cards"] == 3
    assert rows[0][1] == "time up" and "typed but never revealed" in rows[0][3]
    assert [r[0] for r in rows[1:]] == order[1:] and all(r[1] == "not reached" for r in rows[1:])


async def test_an_interview_with_nothing_answered_is_not_saved(session: ReviewSession, clock: Clock) -> None:
    iv = InterviewSession(session, minutes=1, seed=1)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SMALL) as pilot:
        clock.advance(minutes=2)
        await until(pilot, lambda: isinstance(app.screen, InterviewSummaryScreen))
        text = str(app.screen.query_one("#iv-summary").render())
    assert session.store.interviews() == []
    assert "nothing was saved" in text.lower()


def test_history_shows_time_up_answers_and_cards_not_reached(deck_dir: Path, isolated_home: Path, clock: Clock) -> None:
    from gdstudy.scheduling import Grade
    from gdstudy.store import DB_NAME

    isolated_home.mkdir(parents=True, exist_ok=True)
    deck = load_deck([], [deck_dir], check_demos=False)
    with Store(isolated_home / DB_NAME) as store:
        iv = InterviewSession(ReviewSession(deck, store, Settings(), clock=clock), minutes=5, seed=1)
        first, second, third = iv.cards
        iv.submit(first, "graded one", Grade.GOOD, 12.0)
        iv.time_up("half typed", 30.0)
        iv.finish()
    code, out = run_cli("interview", "history", "--deck", str(deck_dir))
    assert code == 0 and "1/3 cards" in out and "1 time up" in out and "1 not reached" in out
    code, out = run_cli("interview", "history", "1", "--deck", str(deck_dir))
    assert code == 0, out
    assert "half typed" in out and "time up" in out
    assert f"not reached: {third.id}" in out or (third.id in out.split("not reached")[-1])


# -- 3: the question stays on screen; keys scroll the answer ---------------------------------------

def on_screen(screen: Any, widget: Any) -> bool:
    """Some of the widget is painted on the screen (not scrolled out of its container)."""
    return widget in screen._compositor.visible_widgets


def long_session(deck_dir: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [deck_dir], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "long.db"), Settings(enable_fuzz=False), clock=clock, tags=("long",))


@SIZES
async def test_the_question_stays_above_a_long_answer_and_keys_scroll_it(deck_dir: Path, tmp_path: Path, clock: Clock,
                                                                         size: tuple[int, int]) -> None:
    from gdstudy.tui.review import ReviewScreen

    app = make_app(long_session(deck_dir, tmp_path, clock))
    async with app.run_test(size=size) as pilot:
        rs = app.screen
        assert isinstance(rs, ReviewScreen) and rs.card.id == "long"
        await pilot.press("space")
        back = rs.query_one("#back")
        await until(pilot, lambda: len(back.children) >= 40)
        await pilot.pause()
        front = rs.query_one("#front")
        pane = back.parent
        assert on_screen(rs, front), "the question was scrolled off the screen"
        assert pane.max_scroll_y > 0 and pane.scroll_y == 0  # the answer starts at its top
        for key, check in (("j", lambda: pane.scroll_y == 1), ("down", lambda: pane.scroll_y == 2),
                           ("k", lambda: pane.scroll_y == 1), ("pagedown", lambda: pane.scroll_y > 3),
                           ("end", lambda: pane.scroll_y == pane.max_scroll_y), ("pageup", lambda: pane.scroll_y < pane.max_scroll_y),
                           ("home", lambda: pane.scroll_y == 0), ("up", lambda: pane.scroll_y == 0)):
            await pilot.press(key)
            await until(pilot, check)
            assert on_screen(rs, front), key
        await pilot.press("3")  # the grade keys still grade
        assert [e.card_id for e in rs.session.store.log()] == ["long"]


@SIZES
async def test_scroll_keys_in_help_stats_card_detail_demo_and_interview_reference(session: ReviewSession,
                                                                                  size: tuple[int, int]) -> None:
    """j/k, arrows, PgUp/PgDn, Home/End scroll each scrolling pane (each given more than fits)."""
    from textual.containers import VerticalScroll

    from gdstudy.tui.browser import CardModal
    from gdstudy.tui.demo import DemoScreen
    from gdstudy.tui.help import HelpScreen
    from gdstudy.tui.interview import AnswerModal
    from gdstudy.tui.stats import StatsScreen

    async def check(screen: Any, pane: Any) -> None:
        await until(pilot, lambda: pane.max_scroll_y > 0)
        for key, cond in (("j", lambda: pane.scroll_y == 1), ("down", lambda: pane.scroll_y == 2),
                          ("k", lambda: pane.scroll_y == 1), ("end", lambda: pane.scroll_y == pane.max_scroll_y),
                          ("pageup", lambda: pane.scroll_y < pane.max_scroll_y), ("home", lambda: pane.scroll_y == 0),
                          ("pagedown", lambda: pane.scroll_y > 0), ("up", lambda: True)):
            await pilot.press(key)
            await until(pilot, cond)
        assert app.screen is screen

    long = session.deck.by_id["long"]
    app = make_app(session)
    async with app.run_test(size=size) as pilot:
        await app.push_screen(HelpScreen())
        assert isinstance(app.screen, HelpScreen)
        await check(app.screen, app.screen.query_one("#help"))
        await app.pop_screen()
        await app.push_screen(StatsScreen(session))
        assert isinstance(app.screen, StatsScreen)
        app.screen.query_one("#stats-text").update("\n".join(f"line {i}" for i in range(80)))
        await check(app.screen, app.screen.query_one("#stats-body"))
        await app.pop_screen()
        await app.push_screen(CardModal(long, "new"))
        assert isinstance(app.screen, CardModal)
        await check(app.screen, app.screen.query_one("#card-box"))
        await app.pop_screen()
        await app.push_screen(AnswerModal(1, {"card_id": "long", "answer": "x", "grade": 3, "seconds": 3.0}, long))
        assert isinstance(app.screen, AnswerModal)
        await check(app.screen, app.screen.query_one("#answer-ref-pane"))
        await app.pop_screen()
        demo = DemoScreen("epoch", autorun=False)
        await app.push_screen(demo)
        assert app.screen is demo
        demo.query_one("#status").update("\n".join(f"output line {i}" for i in range(80)))
        demo.set_focus(None)  # in a parameter box j/k are letters
        await check(demo, demo.query_one("#demo-main", VerticalScroll))


@SIZES
async def test_interview_reference_scrolls_after_reveal(deck_dir: Path, tmp_path: Path, clock: Clock,
                                                        size: tuple[int, int]) -> None:
    iv = InterviewSession(long_session(deck_dir, tmp_path, clock), minutes=10)
    app = make_app(iv.review, start="interview", interview=iv)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"jk", "ctrl+r")  # typed: j and k are text in the answer box
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and screen.typed == "jk"
        pane = screen.query_one("#reference-pane")
        await until(pilot, lambda: pane.max_scroll_y > 0)
        await pilot.press("j", "j", "pagedown")
        await until(pilot, lambda: pane.scroll_y > 2)
        await pilot.press("home")
        await until(pilot, lambda: pane.scroll_y == 0)
