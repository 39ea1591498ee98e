"""Keyboard scrolling for every scrolling pane: j/k and the arrows a line, PgUp/PgDn a page,
Home/End to the ends. A screen mixes in `ScrollKeys`, adds `SCROLL_BINDINGS` to its BINDINGS and
names its pane in `scroll_pane()` (the answer, the demo output, help, stats, a card, the interview
reference). The bindings are hidden from the footer (the help screen lists them).

A focused widget that scrolls by itself (a table, a text box) keeps its own keys: screen bindings
come after the focused widget's, so j/k in a text box are still letters.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widget import Widget

__all__ = ["SCROLL_BINDINGS", "ScrollKeys"]

_MOVES = {
    "down": "scroll_down", "up": "scroll_up", "page_down": "scroll_page_down", "page_up": "scroll_page_up",
    "home": "scroll_home", "end": "scroll_end",
}

SCROLL_BINDINGS = [
    Binding("j", "scroll_pane('down')", "Scroll down", show=False),
    Binding("k", "scroll_pane('up')", "Scroll up", show=False),
    Binding("down", "scroll_pane('down')", "Scroll down", show=False),
    Binding("up", "scroll_pane('up')", "Scroll up", show=False),
    Binding("pagedown", "scroll_pane('page_down')", "Page down", show=False),
    Binding("pageup", "scroll_pane('page_up')", "Page up", show=False),
    Binding("home", "scroll_pane('home')", "Scroll to top", show=False),
    Binding("end", "scroll_pane('end')", "Scroll to end", show=False),
]


class ScrollKeys:
    """Mixin for a Screen: `action_scroll_pane(move)` scrolls `scroll_pane()`."""

    def scroll_pane(self) -> Widget | None:
        """The pane the keys scroll (None: none now). Default: the first scrolling container."""
        found = self.query(ScrollableContainer)  # type: ignore[attr-defined]
        return found.first() if found else None

    def action_scroll_pane(self, move: str) -> None:
        pane = self.scroll_pane()
        if pane is None or move not in _MOVES:
            return
        getattr(pane, _MOVES[move])(animate=False)
