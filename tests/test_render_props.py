"""Property test (hypothesis + Pilot): random Unicode — control characters, markup brackets,
right-to-left and zero-width characters, very long words — in every card field renders in the
review, browser (table and pop-up), stats and demo screens without an exception.

The text goes through `clean` as the loader does (controls made visible); the point here is that no
string can break a widget. Examples are few: each one runs the app (about 2 s)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdstudy.config import Settings
from gdstudy.deck import Card, Deck, DemoLink
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.text import clean
from gdstudy.tui import make_app
from gdstudy.tui.review import ReviewScreen

TRICKY = ["[", "]", "[/]", "[b]", "[@click=app.quit]", "[$error]", "\\", "$", "=", "\x1b", "\x07", "\x9b", "\r",
          "\u202e", "\u200f", "\u200b", "\ufeff", "\u0301", "שלום", "مرحبا", "\u2028", "🩸", "｜", "\t", "\n", "`", "*",
          "#", "-", "|", "<b>", "&amp;", "\n```[/]\n", "\n| a | [/] |\n|---|---|\n", "[l](file:///x)", "![i](ssh://h)"]
pieces = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "w", "界", "\u0301", "["]), st.integers(80, 1500)),  # long words
)
texts = st.lists(pieces, min_size=1, max_size=8).map(lambda ps: clean("".join(ps)).strip() or "x")


async def scenario(front: str, back: str, tag: str, source: str, param: str) -> None:
    cards = [Card(id=f"c{i}", front=front, back=back, tags=(tag, "t"), source=source, path=f"/d/{source[:20]}.yaml",
                  line=1 + i, interview=True, demo=DemoLink("epoch", {"n": "x" + param, "batch_size": 4}) if i == 0 else None)
             for i in range(3)]
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "g.db")
        session = ReviewSession(Deck(cards=cards), store, Settings(enable_fuzz=False))
        app = make_app(session)
        async with app.run_test(size=(90, 28)) as pilot:
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("space")
            await pilot.pause()
            await pilot.press("b", "enter")
            await pilot.pause()
            await pilot.press("escape", "escape", "s")
            await pilot.pause()
            await pilot.press("escape", "d")
            await pilot.pause()
            await pilot.press("escape", "3")
            await pilot.pause()
            assert app.is_running and app.return_code is None
        store.close()


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=texts, back=texts, tag=texts, source=texts, param=texts)
def test_random_unicode_in_every_field_renders(front: str, back: str, tag: str, source: str, param: str) -> None:
    asyncio.run(scenario(front, back, tag.replace("\n", " "), source.replace("\n", " "), param))
