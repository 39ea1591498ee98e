"""The answer side shows where a card comes from: note titles instead of file names, and the card's
literature `refs:` (issues 10 and 11); literal text, never markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from gdstudy.tui.browser import CardModal
from tests.conftest import Clock

DECK = """\
deck: refs
notes:
  000_e0c09ec66bc19b89.txt: "Personal note [/b]: batch GD"
cards:
  - id: with-refs
    front: What is the question?
    back: The answer.
    tags: [t]
    source: 000_e0c09ec66bc19b89.txt § Mini-batches (divided by S); other.txt § Elsewhere
    refs: ["Robbins & Monro [@click=app.quit]x[/] (1951)"]
"""


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


@pytest.fixture
def session(tmp_path: Path, clock: Clock) -> ReviewSession:
    (tmp_path / "deck").mkdir()
    (tmp_path / "deck" / "d.yaml").write_text(DECK, encoding="utf-8")
    deck = load_deck([], [tmp_path / "deck"], check_demos=False)
    assert not deck.problems, deck.problems
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector).render())


async def test_sources_and_refs_show_on_reveal_with_note_titles(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#sources, #back, #card")  # nothing of the answer side before reveal
        await pilot.press("space")
        await pilot.pause()
        assert app.screen.query_one("#sources").display
        text = _text(app, "#sources")
        assert "Personal note [/b]: batch GD § Mini-batches (divided by S)" in text
        assert "other.txt § Elsewhere" in text  # a note without a title keeps its file name
        assert "000_e0c09ec66bc19b89.txt" not in text
        assert "Robbins & Monro [@click=app.quit]x[/] (1951)" in text  # literal, not a link
        await pilot.click("#sources")
        await pilot.pause()
        assert app.is_running


async def test_card_popup_shows_sources_and_refs(session: ReviewSession) -> None:
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.push_screen(CardModal(session.deck.by_id["with-refs"], "new"))
        await pilot.pause()
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Personal note [/b]: batch GD § Mini-batches" in shown and "Robbins & Monro" in shown
