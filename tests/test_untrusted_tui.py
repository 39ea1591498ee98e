"""Issue 9 in the TUI (Pilot): user text is shown literally (never markup), links open only when
http(s), the back is built on reveal, and a long answer stays responsive. Each test was written
before its fix and seen failing."""

from __future__ import annotations

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
from gdstudy.tui.browser import BrowserScreen
from gdstudy.tui.review import ReviewScreen
from tests.conftest import Clock

SIZE = (110, 34)

MARKUP = "[@click=app.quit]x[/]"
DECK = f"""\
- id: markup
  front: "Front [b]not bold[/b] [/]"
  back: "Back [/bold] [link=file:///etc/passwd]x[/link]"
  tags: ["{MARKUP}", "[/bold]", "[$error]red"]
  source: "src [/] [dim]"
  interview: true
- id: second
  front: Second?
  back: Yes.
  tags: ["{MARKUP}", "[/bold]", "[$error]red"]
  source: s
  interview: true
- id: third
  front: Third?
  back: Yes.
  tags: ["{MARKUP}", "[/bold]", "[$error]red"]
  source: s
  demo: {{name: epoch, params: {{n: "[/]x", batch_size: "[@click=app.quit]q[/]"}}}}
  interview: true
- id: broken
  front: Q
  "[/]": an unknown key whose name is markup
"""


pytestmark = pytest.mark.usefixtures("utc_tz")  # conftest: local time is UTC


def session_for(tmp_path: Path, clock: Clock, text: str) -> ReviewSession:
    d = tmp_path / "deck"
    d.mkdir(exist_ok=True)
    (d / "cards.yaml").write_text(text, encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


@pytest.fixture
def session(tmp_path: Path, clock: Clock) -> ReviewSession:
    return session_for(tmp_path, clock, DECK)


def rendered(widget: Any) -> str:
    return str(widget.render())


async def test_markup_in_every_field_renders_literally(session: ReviewSession) -> None:
    assert len(session.deck.problems) == 1  # the start-up notice quotes the key '[/]'
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        rs = app.screen
        assert isinstance(rs, ReviewScreen) and rs.card is not None and rs.card.id == "markup"
        meta = rendered(rs.query_one("#meta"))
        assert MARKUP in meta and "[/bold]" in meta and "[$error]red" in meta
        notes = [n.message for n in app._notifications]
        assert any("unknown key '[/]'" in str(m) for m in notes), notes
        await pilot.click("#meta", offset=(meta.index("x[/]"), 0))  # the would-be action link
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("space")
        assert rs.revealed
        await pilot.press("b")  # browser: table and the card pop-up
        assert isinstance(app.screen, BrowserScreen)
        table = app.screen.query_one("#cards")
        assert table.row_count == 3
        await pilot.press("enter")
        assert app.screen.__class__.__name__ == "CardModal"
        box = " ".join(rendered(w) for w in app.screen.query("Static"))
        assert "src [/] [dim]" in box and MARKUP in box
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("3")
        await pilot.press("space", "3", "s")  # stats: the recall-now table lists the tags (on ≥ 3 cards)
        tags = app.screen.query_one("#tag-recall")
        assert tags.row_count == 3
        cells = [str(tags.get_cell_at((r, 0))) for r in range(3)]
        assert MARKUP in cells and "[/bold]" in cells
        await pilot.press("escape")
        assert app.is_running


async def test_demo_screen_shows_bad_param_values_literally(session: ReviewSession) -> None:
    from gdstudy.tui.demo import DemoScreen

    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("-", "-")  # bury the first two: the third has the demo
        rs = app.screen
        assert rs.card.id == "third"
        await pilot.press("d")
        await pilot.pause()
        demo = app.screen
        assert isinstance(demo, DemoScreen)
        assert demo.query_one("#param-n").value == "[/]x"
        messages = [str(n.message) for n in app._notifications]
        assert any("[/]x" in m for m in messages), messages  # the bad value, quoted literally
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen) and app.is_running


async def test_demo_failure_text_is_literal(session: ReviewSession) -> None:
    from gdstudy.tui.demo import DemoFailed, DemoScreen

    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        demo = DemoScreen("epoch", {"n": 50}, autorun=False)
        await app.push_screen(demo)
        demo.post_message(DemoFailed("boom [/] [@click=app.quit]x[/]"))
        await pilot.pause()
        assert "boom [/] [@click=app.quit]x[/]" in rendered(demo.query_one("#status"))
        assert app.is_running


async def test_interview_summary_with_markup_tags(session: ReviewSession) -> None:
    iv = InterviewSession(session, minutes=10, count=1, seed=1)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"[/] typed", "ctrl+r")
        assert "[/] typed" in rendered(app.screen.query_one("#mine"))
        await pilot.press("1")
        summary = rendered(app.screen.query_one("#iv-summary"))
        assert MARKUP in summary and "[/bold]" in summary
        assert app.is_running


async def test_typed_backslash_cannot_inject_markup(session: ReviewSession) -> None:
    """Escaping `[` as `\\[` is not enough: a typed backslash before it re-opened the tag."""
    iv = InterviewSession(session, minutes=10, count=1, seed=1)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"a\\[b]c", "ctrl+r")
        assert "a\\[b]c" in rendered(app.screen.query_one("#mine"))


# ---------------------------------------------------------------------------------------------
# links


LINKS = """\
- id: links
  front: "[ssh link](ssh://host/x) then [web](https://example.com/a) then [rel](notes.md)"
  back: "A."
  tags: [t]
  source: s
"""


async def test_only_http_links_open(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    from textual.widgets import Markdown

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **kw: opened.append(url))
    app = make_app(session_for(tmp_path, clock, LINKS))
    async with app.run_test(size=SIZE) as pilot:
        front = app.screen.query_one("#front", Markdown)
        await pilot.pause()
        para = front.children[0]
        await pilot.click(para, offset=(2, 0))  # a real click on "ssh link"
        await pilot.pause()
        for href in ("https://example.com/a", "notes.md", "file:///etc/passwd", "javascript:alert(1)"):
            front.post_message(Markdown.LinkClicked(front, href))
            await pilot.pause()
        assert opened == ["https://example.com/a"]
        refused = [str(n.message) for n in app._notifications if "only http(s)" in str(n.message)]
        assert len(refused) == 4 and any("ssh://host/x" in m for m in refused), refused


# ---------------------------------------------------------------------------------------------
# the back: built on reveal, big text responsive


async def test_back_is_built_only_on_reveal(tmp_path: Path, clock: Clock) -> None:
    from textual.widgets import Markdown

    app = make_app(session_for(tmp_path, clock, LINKS.replace('back: "A."', 'back: "The **secret** answer."')))
    async with app.run_test(size=SIZE) as pilot:
        assert not app.screen.query("#back")  # not even mounted before the first reveal
        await pilot.press("space")
        await pilot.pause()
        back = app.screen.query_one("#back", Markdown)
        assert "secret" in back.source and back.children


def _long_back(chars: int) -> str:
    items = []
    n = 0
    while n < chars - 20:
        items.append(f"- item {len(items)}")
        n += len(items[-1]) + 1
    return "\n".join(items)


async def test_long_answer_stays_responsive(tmp_path: Path, clock: Clock) -> None:
    """A back at the size limit made of list items: thousands of Markdown blocks took minutes to
    mount (before the reveal, even). It is shown as plain text, fast, and `q` still quits."""
    from gdstudy.deck import LIMITS

    back = _long_back(LIMITS["back"])
    text = ("- id: long\n  front: Long?\n  tags: [t]\n  source: s\n  back: |\n"
            + "".join(f"    {ln}\n" for ln in back.splitlines()))
    s = session_for(tmp_path, clock, text)
    assert s.deck.ok, s.deck.problems
    app = make_app(s)
    t0 = time.process_time()  # CPU time, which other processes on the machine do not inflate
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        rs = app.screen
        assert rs.revealed
        back = rs.query_one("#back")
        assert len(back.query("*")) < 5  # one plain-text widget, not ~900 list-item widgets
        text = " ".join(str(w.render()) for w in back.query("Static"))
        assert "shown as plain text" in text and "- item 900" in text
        await pilot.press("q")
        await pilot.pause()
    assert time.process_time() - t0 < 10, "the long answer froze the UI"
    assert app.return_code in (0, None)


async def test_cram_header_shows_a_markup_tag_literally(tmp_path: Path, clock: Clock) -> None:
    d = tmp_path / "deck"
    d.mkdir()
    (d / "cards.yaml").write_text(DECK, encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    s = ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock, cram=True,
                      tags=("[/bold]", MARKUP))
    app = make_app(s)
    async with app.run_test(size=SIZE):
        header = rendered(app.screen.query_one("#counts"))
        assert "CRAM" in header and f"[/bold], {MARKUP}" in header
