"""Notifications are literal text: an error message quoting a path or card text with markup in it
(`[/]`, `[@click=...]`) is shown as those characters, never parsed (issue 9)."""

from __future__ import annotations

from pathlib import Path

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from tests.conftest import Clock


async def test_notifications_from_any_screen_never_parse_markup(small_deck_dir: Path, tmp_path: Path, clock: Clock) -> None:
    deck = load_deck([], [small_deck_dir], check_demos=False)
    session = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bad = "cannot write /tmp/[/]x[@click=app.quit]y[/]: disk full"
        app.screen.notify(bad, title="Grade not saved", severity="error")  # a screen passes markup=True
        app.notify(bad)
        await pilot.pause()
        shown = list(app._notifications)
        assert [str(n.message) for n in shown] == [bad, bad]
        assert not any(n.markup for n in shown)  # rendered as text, never parsed
        assert app.is_running
