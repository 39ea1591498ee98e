"""The review TUI, driven by Textual's Pilot, plus snapshots of the main states."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from gdstudy.tui.help import HelpScreen
from gdstudy.tui.review import ReviewScreen
from tests.conftest import Clock

SIZE = (100, 30)


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


@pytest.fixture
def session(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> ReviewSession:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def screen(app) -> ReviewScreen:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def test_reveal_then_grade_commits_before_next_card(session: ReviewSession, tmp_path: Path) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        rs = screen(app)
        assert rs.card is not None and rs.card.id == "alpha" and not rs.revealed
        await pilot.press("3")  # grading before reveal does nothing
        assert list(session.store.log()) == []
        await pilot.press("space")
        assert rs.revealed
        labels = [str(rs.query_one(f"#grade-{g}").label) for g in (1, 2, 3, 4)]
        assert labels[0] == "Again (1)  1m" and labels[2] == "Good (3)  10m"
        await pilot.press("3")
        with Store(tmp_path / "g.db") as other:  # visible to another connection: committed
            assert [(e.card_id, e.rating) for e in other.log()] == [("alpha", 3)]
        assert rs.card.id == "beta" and not rs.revealed


async def test_enter_reveals_and_mouse_grades(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert screen(app).revealed
        await pilot.click("#grade-4")
        assert [(e.card_id, e.rating) for e in session.store.log()] == [("alpha", 4)]


async def test_undo_restores_card_and_removes_log_row(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")  # nothing to undo: a warning, no crash
        await pilot.press("space", "1", "space", "3")
        assert [e.rating for e in session.store.log()] == [1, 3]
        await pilot.press("u")
        rs = screen(app)
        assert rs.card.id == "beta" and not rs.revealed
        assert [e.rating for e in session.store.log()] == [1]
        assert session.store.state("beta") is None


async def test_nothing_due_says_when_next(session: ReviewSession, clock: Clock) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("space", "4")  # Easy: all three graduate to days
        rs = screen(app)
        assert rs.card is None
        text = str(rs.query_one("#empty").render())
        assert "nothing is due" in text and "Next due: alpha in 8d" in text and "Reviewed 3 cards" in text
        clock.advance(days=60)
        rs.show_next()
        assert rs.card is not None


async def test_help_opens_and_closes(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_quit_and_reopen_keeps_grades(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    for expected_first in ("alpha", "gamma"):
        s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
        app = make_app(s)
        async with app.run_test(size=SIZE) as pilot:
            assert screen(app).card.id == expected_first
            await pilot.press("space", "4", "space", "4")
            await pilot.press("q")
        assert app.return_code in (0, None)
        s.store.close()
    with Store(tmp_path / "g.db") as store:
        # alpha, beta in the first run; gamma in the second, then nothing was left to grade
        assert [e.card_id for e in store.log()] == ["alpha", "beta", "gamma"]


def test_snapshot_front(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), terminal_size=SIZE)


def test_snapshot_revealed(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["space"], terminal_size=SIZE)


def test_snapshot_nothing_due(snap_compare, session: ReviewSession, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import gdstudy.tui.review as review_screen

    monkeypatch.setattr(review_screen, "answer_clock", lambda: 0.0)  # "in 0 s", however loaded the machine
    keys = ["space", "4"] * 3
    assert snap_compare(make_app(session), press=keys, terminal_size=SIZE)


def test_snapshot_help(snap_compare, session: ReviewSession) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session), press=["question_mark"], terminal_size=SIZE)


async def test_reopen_then_undo_restores_the_last_graded_card(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    first = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    first.grade(deck.by_id["alpha"], first.preview(deck.by_id["alpha"])[3])
    first.store.close()
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    app = make_app(s)
    async with app.run_test(size=SIZE) as pilot:
        assert screen(app).card.id == "beta"
        await pilot.press("u")
        assert screen(app).card.id == "alpha" and list(s.store.log()) == []
