"""Card text on screen: Markdown with a bound on how much of it becomes widgets.

Textual's Markdown mounts one widget (or several) per block: a few hundred list items take
seconds, thousands take minutes, and input waits meanwhile. `CardMarkdown` counts the blocks first
(markdown-it, a few ms for the 10,000-character back limit) and above `MAX_BLOCKS` shows the text
as plain text in one widget, with a note saying so. Card text is already cleaned by the loader;
links in it go through `GdstudyApp.open_url`, which opens only http(s).
"""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.widgets import Markdown, Static

from gdstudy.text import clean

__all__ = ["CardMarkdown", "MAX_BLOCKS", "markdown_blocks", "source_content"]

MAX_BLOCKS = 120  # ~0.5 s to mount on this project's 2-core machine; the shipped cards have <= 10


def markdown_blocks(text: str) -> int:
    """How many block widgets Textual's Markdown would mount for `text` (list items, table cells,
    paragraphs ... every block-level opening token)."""
    from markdown_it import MarkdownIt

    return sum(1 for tok in MarkdownIt("gfm-like").parse(text) if tok.nesting == 1 and tok.block)


class CardMarkdown(Markdown):
    DEFAULT_CSS = """
    CardMarkdown > .card-plain { height: auto; padding: 0 1; }
    """

    def update(self, markdown: str) -> AwaitComplete:
        blocks = markdown_blocks(markdown)
        if blocks <= MAX_BLOCKS:
            plain = self.query(".card-plain")
            if not plain:
                return super().update(markdown)

            async def rich() -> None:
                await plain.remove()
                await Markdown.update(self, markdown)

            return AwaitComplete(rich())
        self._markdown = markdown  # `source` stays the card's text

        async def plain_text() -> None:
            async with self.lock:
                await self.remove_children()
                note = Content.styled(f"(long text: {blocks:,} Markdown blocks, shown as plain text)\n", "dim italic")
                await self.mount(Static(note + Content(clean(markdown)), classes="card-plain"))

        return AwaitComplete(plain_text())


def source_content(card) -> Content:
    """Where the card comes from, for people: the notes' titles (from the deck header) and sections,
    then the literature `refs:` for what the card says beyond its notes. Literal text throughout."""
    out = Content.styled("Source: ", "bold") + Content(card.source_label)
    if card.refs:
        out += Content.styled("\nBeyond the notes:", "bold")
        for ref in card.refs:
            out += Content("\n  • " + ref)
    return out.stylize("dim")
