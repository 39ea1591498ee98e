"""Issue 21 item 5: a snapshot of every screen at 80x24 and at a large size (160x48). The screens
that already had one at two sizes keep it where it was; this module adds the rest. Where each
screen's pair lives:

- home: test_tui_home.py::test_snapshot_home (80x24, 120x40)
- review, question: test_tui_layout.py::test_snapshot_review_counts; a long question: here
- review, answer: test_tui_home.py::test_snapshot_review_long_answer; a long question: here
- session summary: test_tui_home.py::test_snapshot_session_summary
- cram: test_tui_layout.py::test_snapshot_cram_header
- interview, question: test_tui_layout.py::test_snapshot_interview_question; a long question: here
- interview, revealed: here; summary: test_tui_layout.py::test_snapshot_interview_summary
- demo browser: here; demo screen with its parameters: test_tui_layout.py::test_snapshot_demo_idle,
  one with long values (throughput) here; demo result: test_tui_layout.py::test_snapshot_demo_result
- stats: test_tui_layout.py::test_snapshot_stats_layout
- card browser: test_tui_layout.py::test_snapshot_browser_marks_buried; its card history (h):
  test_card_history.py::test_snapshot_history
- help: test_tui_layout.py::test_snapshot_help_layout
- modals: the cram tag picker, the import help, a card opened from the browser, an interview
  answer reread from the summary: here
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gdstudy.interview import InterviewSession
from gdstudy.scheduling import Grade
from gdstudy.session import ReviewSession
from gdstudy.tui import make_app
from tests.test_tui_fit import fit_session, until  # noqa: F401  (fixture)

SMALL, LARGE = (80, 24), (160, 48)
SIZES = pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])

pytestmark = pytest.mark.usefixtures("utc_tz")


def steady(pilot: Any) -> None:
    """No blinking cursor: a snapshot must not depend on the moment it is taken."""
    from textual.widgets import Input, TextArea

    for w in pilot.app.screen.query(Input):
        w.cursor_blink = False
    for w in pilot.app.screen.query(TextArea):
        w.cursor_blink = False


def keys(*names: str, ready: Any = None) -> Any:
    """Press the keys, then wait until `ready(app)` holds (a condition, never a fixed pause)."""
    async def run(pilot: Any) -> None:
        await pilot.press(*names)
        if ready is not None:
            await until(pilot, lambda: ready(pilot.app))
        steady(pilot)
        await pilot.pause()

    return run


def long_first(session: ReviewSession) -> InterviewSession:
    iv = InterviewSession(session, minutes=20, seed=3)
    iv.cards.sort(key=lambda c: c.id != "long-question")
    return iv


def tagged(session: ReviewSession, *, cram: bool = False) -> ReviewSession:
    return ReviewSession(session.deck, session.store, session.settings, clock=session.clock, cram=cram, tags=("long",))


# -- review and interview with a long question (the layouts that used to overflow) --------------

@SIZES
def test_snapshot_review_long_question(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    ready = keys(ready=lambda app: app.screen.query("#front MarkdownParagraph"))
    assert snap_compare(make_app(tagged(fit_session)), run_before=ready, terminal_size=size)


@SIZES
def test_snapshot_review_long_question_revealed(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    run = keys("space", ready=lambda app: len(app.screen.query_one("#back").children) >= 30)
    assert snap_compare(make_app(tagged(fit_session)), run_before=run, terminal_size=size)


@SIZES
def test_snapshot_interview_long_question(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    app = make_app(fit_session, start="interview", interview=long_first(fit_session))
    run = keys(*"my answer", ready=lambda app: app.screen.query("#question MarkdownParagraph"))
    assert snap_compare(app, run_before=run, terminal_size=size)


@SIZES
def test_snapshot_interview_revealed(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    app = make_app(fit_session, start="interview", interview=long_first(fit_session))
    run = keys(*"my answer", "ctrl+r", ready=lambda app: app.screen.query("#reference MarkdownParagraph"))
    assert snap_compare(app, run_before=run, terminal_size=size)


# -- demos -----------------------------------------------------------------------------------------

@SIZES
def test_snapshot_demo_browser(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    run = keys(ready=lambda app: app.screen.query("#demo-list"))
    assert snap_compare(make_app(start="demos"), run_before=run, terminal_size=size)


@SIZES
def test_snapshot_demo_long_values(snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    """throughput: `--neighbours 96,100,127,129,255,257`, the longest default, whole in its box."""
    async def run(pilot: Any) -> None:
        from gdstudy.tui.demo import DemoScreen

        screen = DemoScreen("throughput", autorun=False)
        await pilot.app.push_screen(screen)
        await until(pilot, lambda: screen.query_one("#run").region.area > 0)
        screen.query_one("#param-neighbours").focus()
        await until(pilot, lambda: "neighbours" in str(screen.query_one("#param-help").render()))
        steady(pilot)
        await pilot.pause()

    assert snap_compare(make_app(start="demos"), run_before=run, terminal_size=size)


# -- modals ----------------------------------------------------------------------------------------

@SIZES
def test_snapshot_cram_tag_picker(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    run = keys("c", ready=lambda app: app.screen.query("#tag-list"))
    assert snap_compare(make_app(fit_session, start="home"), run_before=run, terminal_size=size)


@SIZES
def test_snapshot_import_help(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    from gdstudy.tui.help import HelpScreen

    run = keys("n", ready=lambda app: isinstance(app.screen, HelpScreen) and app.screen.query("MarkdownParagraph"))
    assert snap_compare(make_app(fit_session, start="home"), run_before=run, terminal_size=size)


@SIZES
def test_snapshot_card_modal(snap_compare, fit_session: ReviewSession, size, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The pop-up names the card's file: loaded by a relative path, so the snapshot is the same
    whatever the temporary directory."""
    from gdstudy.deck import load_deck
    from gdstudy.tui.browser import CardModal

    monkeypatch.chdir(tmp_path)
    deck = load_deck([], [Path("fitdeck")], check_demos=False)
    s = ReviewSession(deck, fit_session.store, fit_session.settings, clock=fit_session.clock)
    run = keys("b", "enter", ready=lambda app: isinstance(app.screen, CardModal) and app.screen.query("MarkdownParagraph"))
    assert snap_compare(make_app(s, start="home"), run_before=run, terminal_size=size)


@SIZES
def test_snapshot_interview_answer_modal(snap_compare, fit_session: ReviewSession, size) -> None:  # type: ignore[no-untyped-def]
    from gdstudy.tui.interview import AnswerModal, InterviewSummaryScreen

    iv = long_first(fit_session)
    iv.submit(iv.cards[0], "The mean of the per-example gradients, [b]not[/b] markup.", Grade.GOOD, 42.0)
    iv.submit(iv.cards[1], "", Grade.AGAIN, 7.0)  # fixed timings: nothing depends on the clock

    async def run(pilot: Any) -> None:
        await pilot.app.switch_screen(InterviewSummaryScreen(iv.summary(), fit_session.deck, 1))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, AnswerModal)
                    and pilot.app.screen.query("#answer-ref MarkdownParagraph"))
        await pilot.pause()

    assert snap_compare(make_app(fit_session), run_before=run, terminal_size=size)
