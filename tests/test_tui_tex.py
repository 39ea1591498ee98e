"""Card text on screen (issue 22 items 5-6, rendering side): formulas in Unicode with the TeX one
key away (`t`), Markdown shapes kept (block quotes and callouts, lists, tables, fenced code), raw
HTML shown as text. Review, the browser's card view and the mock interview share `CardMarkdown`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gdstudy.config import Settings
from gdstudy.deck import load_deck
from gdstudy.interview import InterviewSession
from gdstudy.session import ReviewSession
from gdstudy.store import Store
from gdstudy.tui import make_app
from gdstudy.tui.cardtext import CardMarkdown
from tests.conftest import Clock

SIZE = (100, 40)
SOURCE = "source: 000_e0c09ec66bc19b89.txt § Batch gradient descent"

DECK = f"""\
deck: tex
cards:
  - id: step
    front: |
      Why must $\\eta < 2/L$ for $f$ with an $L$-Lipschitz $\\nabla f$?
    back: |
      The update $\\theta_{{t+1}} = \\theta_t - \\eta \\nabla f(\\theta_t)$ shrinks the error by
      $|1 - \\eta L|$ per step; the noise is $\\frac{{\\sigma^2}}{{S}}$.

      $$\\frac{{1}}{{N}}\\sum_i L_i$$

      Bad TeX stays as written: $\\frac{{a$ and $\\unknownmacro x$.
    tags: [tex]
    interview: true
    {SOURCE}
"""

SHAPES = f"""\
deck: shapes
cards:
  - id: shapes
    front: Which shapes survive?
    back: |
      > [!note] A callout
      > quoted line with $x_i$

      - outer
        - nested item
      1. first
      2. second

      | a | b |
      |---|---|
      | $\\beta_1$ | 2 |

      ```python
      cost = "$\\eta$"  # code: never maths
      ```

      Line one<br>and <b>bold</b> <script>alert(1)</script> <img src=x onerror=y>
    tags: [md]
    {SOURCE}
"""


def session_for(tmp_path: Path, clock: Clock, text: str) -> ReviewSession:
    d = tmp_path / "deck"
    d.mkdir(exist_ok=True)
    (d / "cards.yaml").write_text(text, encoding="utf-8")
    deck = load_deck([], [d], check_demos=False)
    assert not deck.problems, deck.problems
    return ReviewSession(deck, Store(tmp_path / "g.db"), Settings(enable_fuzz=False), clock=clock)


def shown(md: CardMarkdown) -> str:
    """The text the widget's blocks show (their rendered content, in order)."""
    from textual.widgets._markdown import MarkdownBlock

    parts = []
    for block in md.query(MarkdownBlock):
        try:
            parts.append(str(block._content))
        except AttributeError:
            continue
    parts += [str(s.render()) for s in md.query(".card-plain")]
    return "\n".join(parts)


def footer_keys(app: Any) -> set[str]:
    return {ab.binding.key for ab in app.screen.active_bindings.values() if ab.enabled and ab.binding.show}


async def test_review_shows_unicode_and_t_shows_the_tex(tmp_path: Path, clock: Clock) -> None:
    app = make_app(session_for(tmp_path, clock, DECK))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        front = app.screen.query_one("#front", CardMarkdown)
        assert "η < 2/L" in shown(front) and "∇f" in shown(front) and "\\eta" not in shown(front)
        assert "t" in footer_keys(app)
        await pilot.press("space")
        await pilot.pause()
        back = app.screen.query_one("#back", CardMarkdown)
        text = shown(back)
        assert "θₜ₊₁ = θₜ − η∇f(θₜ)" in text and "σ²/S" in text and "(1/N)∑ᵢ Lᵢ" in text
        assert "$\\frac{a$" in text and "$\\unknownmacro x$" in text  # bad TeX: as written
        await pilot.press("t")
        await pilot.pause()
        assert app.raw_tex
        assert "$\\eta < 2/L$" in shown(front) and "$\\nabla f$" in shown(front)
        assert "$\\theta_{t+1} = \\theta_t - \\eta \\nabla f(\\theta_t)$" in shown(back)  # `_` not emphasis
        await pilot.press("t")
        await pilot.pause()
        assert not app.raw_tex and "η < 2/L" in shown(front)
        assert front.text.startswith("Why must $\\eta < 2/L$")  # the card's text is kept as written


async def test_t_is_offered_only_with_formulas(tmp_path: Path, clock: Clock) -> None:
    plain = DECK.replace("id: step", "id: plain", 1).split("    front:")[0] + (
        "    front: No maths here, $5 only\n    back: Plain.\n    tags: [x]\n    " + SOURCE + "\n")
    app = make_app(session_for(tmp_path, clock, plain))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "t" not in footer_keys(app)
        assert app.screen.check_action("toggle_tex", ()) is False


async def test_choice_holds_across_cards_and_screens(tmp_path: Path, clock: Clock) -> None:
    text = DECK + DECK.split("cards:\n")[1].replace("id: step", "id: step2")
    app = make_app(session_for(tmp_path, clock, text))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "space", "3")
        await pilot.pause()
        assert "$\\eta < 2/L$" in shown(app.screen.query_one("#front", CardMarkdown))  # the next card: raw too
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        modal = app.screen
        assert type(modal).__name__ == "CardModal"
        mds = list(modal.query(CardMarkdown))
        assert "$\\eta < 2/L$" in shown(mds[0])
        await pilot.press("t")
        await pilot.pause()
        assert "η < 2/L" in shown(mds[0])
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert "η < 2/L" in shown(app.screen.query_one("#front", CardMarkdown))  # review redrawn too


async def test_interview_reference_toggles(tmp_path: Path, clock: Clock) -> None:
    session = session_for(tmp_path, clock, DECK)
    iv = InterviewSession(session, minutes=10, count=1, seed=1)
    app = make_app(session, start="interview", interview=iv)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "η < 2/L" in shown(app.screen.query_one("#question", CardMarkdown))
        await pilot.press("t")  # typing: a letter in the answer box, not the toggle
        await pilot.pause()
        assert not app.raw_tex
        await pilot.press("ctrl+r")
        await pilot.pause()
        ref = app.screen.query_one("#reference", CardMarkdown)
        assert "σ²/S" in shown(ref)
        await pilot.press("t")
        await pilot.pause()
        assert app.raw_tex and "\\frac{\\sigma^2}{S}" in shown(ref)


async def test_markdown_shapes_and_html_as_text(tmp_path: Path, clock: Clock) -> None:
    from textual.widgets._markdown import (
        MarkdownBlockQuote, MarkdownBulletList, MarkdownFence, MarkdownOrderedList, MarkdownTable,
    )

    app = make_app(session_for(tmp_path, clock, SHAPES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        back = app.screen.query_one("#back", CardMarkdown)
        for kind in (MarkdownBlockQuote, MarkdownBulletList, MarkdownOrderedList, MarkdownTable, MarkdownFence):
            assert back.query(kind), kind.__name__
        assert len(back.query(MarkdownBulletList)) == 2  # the nested list is nested
        text = shown(back)
        assert "Note: A callout" in text and "[!note]" not in text and "xᵢ" in text
        fence = back.query_one(MarkdownFence)
        assert '"$\\eta$"' in fence.code  # code keeps its TeX
        assert "Line one\nand" in text  # <br>: a line break
        assert "<b>bold</b>" in text and "<script>alert(1)</script>" in text and "onerror=y" in text
        assert "| β₁ | 2 |" in back.source  # the table cell's formula, in Unicode


def test_snapshot_formula_card_80x24(snap_compare, tmp_path: Path, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(session_for(tmp_path, clock, DECK)), press=["space"], terminal_size=(80, 24))
