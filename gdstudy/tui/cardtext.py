"""Card text on screen: Markdown, formulas in Unicode (`t`: the TeX as written), with a bound on
how much of it becomes widgets.

Textual's Markdown mounts one widget (or several) per block: a few hundred list items take
seconds, thousands take minutes, and input waits meanwhile. `CardMarkdown` counts the blocks first
(markdown-it, a few ms for the 10,000-character back limit) and above `MAX_BLOCKS` shows the text
as plain text in one widget, with a note saying so. Card text is already cleaned by the loader;
links in it go through `GdstudyApp.open_url`, which opens only http(s). Raw HTML is never
markup: the parser has it off, so `<b>` or `<script>` in a card shows as those characters.

Formulas (`$…$`, `$$…$$`, `\\(…\\)`) go through `gdstudy.tex.markdown_math` first: written in
Unicode (η < 2/L) where they can be, else as written, and escaped so Markdown shows them exactly.
Obsidian callouts (`> [!note] Title`) get their label and `<br>` is a line break (`gdstudy.mdblocks`).
`t` (`TEX_BINDING`, on every screen that shows card text and mixes in `TexKeys`) switches all card
text between that and the TeX as written; the footer offers it only while a formula is on screen.
"""

from __future__ import annotations

from typing import Any

from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Markdown, Static

from gdstudy.text import clean

__all__ = ["CardMarkdown", "MAX_BLOCKS", "TEX_BINDING", "TexKeys", "card_parser", "markdown_blocks",
           "source_content"]

TEX_BINDING = Binding("t", "toggle_tex", "TeX")

MAX_BLOCKS = 120  # ~0.5 s to mount on this project's 2-core machine; the shipped cards have <= 10


_parser: Any = None


def markdown_blocks(text: str) -> int:
    """How many block widgets Textual's Markdown would mount for `text` (list items, table cells,
    paragraphs ... every block-level opening token). One parser for all calls: building one
    compiles its rules (a few ms, paid on every card otherwise)."""
    global _parser
    if _parser is None:
        _parser = card_parser()
    return sum(1 for tok in _parser.parse(text) if tok.nesting == 1 and tok.block)


def card_parser():  # -> MarkdownIt
    """Textual's own Markdown dialect ("gfm-like": tables, strikethrough) with raw HTML off."""
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like", {"html": False})


def _raw_tex(widget: Markdown) -> bool:
    return bool(getattr(widget.app, "raw_tex", False))


class CardMarkdown(Markdown):
    """A card's text. `text` is the card's own text; `source` the Markdown shown for it."""

    DEFAULT_CSS = """
    CardMarkdown > .card-plain { height: auto; padding: 0 1; }
    """

    def __init__(self, markdown: str | None = None, **kwargs) -> None:
        super().__init__(markdown, parser_factory=card_parser, **kwargs)
        self.text = markdown or ""
        self.has_math = False

    def redraw(self) -> AwaitComplete:
        """Show `text` again (after `t`)."""
        return self.update(self.text)

    def update(self, markdown: str) -> AwaitComplete:
        from gdstudy.mdblocks import br_breaks, label_callouts
        from gdstudy.tex import has_math, markdown_math

        self.text = markdown
        markdown = br_breaks(label_callouts(markdown))
        had, self.has_math = self.has_math, has_math(markdown)
        if had != self.has_math and self.is_attached:
            self.screen.refresh_bindings()  # the footer's `t` comes and goes with the formulas
        if self.has_math:
            markdown = markdown_math(markdown, rendered=not _raw_tex(self))
        blocks = markdown_blocks(markdown)
        if blocks <= MAX_BLOCKS:
            plain = self.query(".card-plain")
            if not plain:
                return super().update(markdown)

            async def rich() -> None:
                await plain.remove()
                await Markdown.update(self, markdown)

            return AwaitComplete(rich())
        self._markdown = markdown  # `source` stays the Markdown

        async def plain_text() -> None:
            async with self.lock:
                await self.remove_children()
                note = Content.styled(f"(long text: {blocks:,} Markdown blocks, shown as plain text)\n", "dim italic")
                await self.mount(Static(note + Content(clean(markdown)), classes="card-plain"))

        return AwaitComplete(plain_text())


class TexKeys:
    """Mixin for a Screen that shows card text: `t` (TEX_BINDING) switches every card text in the
    app between formulas in Unicode and the TeX as written. A screen's `check_action` asks
    `tex_available()` for "toggle_tex" so the footer shows `t` only while a formula is on screen."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.tex_available() if action == "toggle_tex" else True

    def tex_available(self) -> bool:
        return any(md.has_math for md in self.query(CardMarkdown))  # type: ignore[attr-defined]

    def action_toggle_tex(self) -> None:
        app = self.app  # type: ignore[attr-defined]
        app.raw_tex = not getattr(app, "raw_tex", False)
        for screen in app.screen_stack:
            for md in screen.query(CardMarkdown):
                if md.has_math:
                    md.redraw()
        self.notify("Formulas: the TeX as written (t: in Unicode)." if app.raw_tex
                    else "Formulas: in Unicode (t: the TeX as written).")  # type: ignore[attr-defined]


def source_content(card) -> Content:
    """Where the card comes from, for people: the notes' titles (from the deck header) and sections,
    then the literature `refs:` for what the card says beyond its notes. Literal text throughout."""
    out = Content.styled("Source: ", "bold") + Content(card.source_label or "none given (your own card)")
    if card.refs:
        out += Content.styled("\nBeyond the notes:", "bold")
        for ref in card.refs:
            out += Content("\n  • " + ref)
    return out.stylize("dim")
