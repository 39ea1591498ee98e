"""Issue 21: the home screen, the review-session summary, the pinned question with keyboard
scrolling in every scrolling pane, and a mock interview that keeps everything (80x24 and 120x40)."""

from __future__ import annotations

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
from tests.waits import wait_until as until

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


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


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
        await until(pilot, lambda: isinstance(app.screen, InterviewSummaryScreen) and app.screen.query("#iv-cards"))
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
        await until(pilot, lambda: isinstance(app.screen, InterviewSummaryScreen) and app.screen.query("#iv-summary"))
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


# -- 1: the home screen ------------------------------------------------------------------------------

def home_text(screen: Any) -> str:
    table = screen.query_one("#home-decks")
    rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    return str(screen.query_one("#home-day").render()) + "\n" + "\n".join(rows)


@SIZES
async def test_home_counts_the_one_plan_and_opens_every_mode(session: ReviewSession, size: tuple[int, int]) -> None:
    from gdstudy.tui.browser import BrowserScreen
    from gdstudy.tui.demo_browser import DemoBrowserScreen
    from gdstudy.tui.help import HelpScreen
    from gdstudy.tui.home import HomeScreen, TagPicker
    from gdstudy.tui.review import ReviewScreen
    from gdstudy.tui.stats import StatsScreen

    first = session.next_card()
    session.grade(first, session.preview(first)[1])  # Again: learning, due in a minute
    app = make_app(session, start="home")
    async with app.run_test(size=size) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        c = session.today().counts
        assert (c.new, c.learning, c.review) == (2, 1, 0)
        assert "h 3 0 1 2" in home_text(home)  # deck h: 3 cards, 0 review, 1 learning, 2 new
        assert "Due today 3 card(s)" in home_text(home) and "Today 1 review(s)" in home_text(home)
        assert "Streak 1 day(s)" in home_text(home)
        footer_keys = {b.key for b in home.BINDINGS if b.show}
        assert {"r", "c", "i", "D", "s", "b"} <= footer_keys  # n (import help) is on the home body's key list
        for key, kind in (("r", ReviewScreen), ("s", StatsScreen), ("b", BrowserScreen), ("D", DemoBrowserScreen),
                          ("i", InterviewScreen), ("n", HelpScreen)):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, kind))
            await pilot.press("escape")
            if kind is InterviewScreen:  # Esc ends the interview (nothing answered: not saved), Esc again: home
                await until(pilot, lambda: isinstance(app.screen, InterviewSummaryScreen))
                await pilot.press("escape")
            await until(pilot, lambda: app.screen is home)
        await pilot.press("c")  # cram: pick a tag
        await until(pilot, lambda: isinstance(app.screen, TagPicker))
        await pilot.press("down", "enter")  # the first tag after "all cards"
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        cram = app.screen.session
        assert cram.cram and len(cram.tags) == 1 and cram.queue().counts.review == len(cram.cards)
        await pilot.press("space", "3")
        assert [e.kind for e in session.store.log()] == ["review", "cram"]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is home)
        assert session.store.interviews() == []
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_review_with_nothing_due_opens_home_and_esc_from_review_goes_home(session: ReviewSession) -> None:
    from gdstudy.tui.home import HomeScreen
    from gdstudy.tui.review import ReviewScreen

    app = make_app(session)
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, ReviewScreen)  # cards due: straight to the first card
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        for _ in range(3):
            await pilot.press("space", "4")
        assert app.screen.card is None and "Reviewed 3 cards" in str(app.screen.query_one("#empty").render())
    app = make_app(session)  # everything is now scheduled for days: review opens home
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, HomeScreen)
        assert "Nothing is due now" in str(app.screen.query_one("#home-note").render())
        await pilot.press("r")  # nothing to review: a notice, still home
        assert isinstance(app.screen, HomeScreen)


def test_home_does_not_import_plotting_numpy_demos_or_stats(tmp_path: Path) -> None:
    """The home screen imports none of them (the deck is loaded without its demo-name check, which
    imports the demo registry itself: launch speed, another item of issue 21)."""
    import subprocess
    import sys

    code = (
        "import sys, asyncio\n"
        "from gdstudy.config import Settings\n"
        "from gdstudy.deck import load_deck\n"
        "from gdstudy.paths import shipped_cards_dir\n"
        "from gdstudy.session import ReviewSession\n"
        "from gdstudy.store import Store\n"
        "from gdstudy.tui import make_app\n"
        f"s = ReviewSession(load_deck([shipped_cards_dir()], [], check_demos=False), Store(__import__('pathlib').Path({str(tmp_path / 'g.db')!r})), Settings())\n"
        "app = make_app(s, start='home')\n"
        "async def main():\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        assert type(app.screen).__name__ == 'HomeScreen'\n"
        "        await pilot.pause()\n"
        "asyncio.run(main())\n"
        "bad = [m for m in ('numpy', 'plotext', 'textual_plotext', 'gdstudy.demo.registry', 'gdstudy.stats', 'fsrs', 'torch') if m in sys.modules]\n"
        "print('LOADED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr


@SIZES
def test_snapshot_home(snap_compare, session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    first = session.next_card()
    session.grade(first, session.preview(first)[3])
    assert snap_compare(make_app(session, start="home"), terminal_size=size)


@SIZES
def test_snapshot_review_long_answer(snap_compare, deck_dir: Path, tmp_path: Path, clock: Clock, size) -> None:  # type: ignore[no-untyped-def]
    async def reveal(pilot: Any) -> None:
        await pilot.press("space")
        back = pilot.app.screen.query_one("#back")
        await until(pilot, lambda: len(back.children) >= 40)

    assert snap_compare(make_app(long_session(deck_dir, tmp_path, clock)), run_before=reveal, terminal_size=size)


@SIZES
def test_snapshot_session_summary(snap_compare, session: ReviewSession, size, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import types

    import gdstudy.tui.review

    # the time on each card comes from the screen's monotonic clock: pinned, so the snapshot is fixed
    monkeypatch.setattr(gdstudy.tui.review, "time", types.SimpleNamespace(monotonic=lambda: 100.0))
    assert snap_compare(make_app(session), press=["space", "4"] * 3, terminal_size=size)


async def test_home_and_tag_picker_show_deck_names_and_tags_literally(tmp_path: Path, clock: Clock) -> None:
    from gdstudy.tui.home import HomeScreen, TagPicker

    d = tmp_path / "evil"
    d.mkdir()
    (d / "e.yaml").write_text(
        'deck: "[b]bold[/b] deck"\ncards:\n  - id: e1\n    front: Q?\n    back: A.\n    tags: ["[/]", "[red]t"]\n'
        "    source: 000_e0c09ec66bc19b89.txt § Mini-batches\n", encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    assert not deck.problems, deck.problems
    s = ReviewSession(deck, Store(tmp_path / "e.db"), Settings(enable_fuzz=False), clock=clock)
    app = make_app(s, start="home")
    async with app.run_test(size=SMALL) as pilot:
        assert isinstance(app.screen, HomeScreen)
        assert "[b]bold[/b] deck" in home_text(app.screen)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, TagPicker) and app.screen.query("#tag-list"))
        options = app.screen.query_one("#tag-list")
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown == ["all cards (1)", "[/] (1)", "[red]t (1)"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: getattr(app.screen, "session", s).tags == ("[/]",))
