"""The browser's `h`: the selected card's history (every review with the memory state at the time,
its current state, its demo) in a modal; the same numbers as `gdstudy cards show ID`."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from gdstudy.history import CardHistory, current_line, demo_line, how_line, table_rows
from gdstudy.text import content, literal

__all__ = ["HistoryModal"]

# short headings so the table fits 80 columns; the legend line names them
HEADINGS = ("date", "kind", "grade", "elapsed", "R", "S", "D", "interval")
LEGEND = "R recall predicted at the review · S stability, D difficulty (1–10) after it"


class HistoryModal(ModalScreen[None]):
    DEFAULT_CSS = """
    HistoryModal { align: center middle; }
    #history-box { width: 100; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
                   background: $surface; padding: 0 1; }
    #history-box Static { width: 1fr; }
    #history-table { height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("h", "close", "Close", show=False),
                Binding("enter", "close", "Close", show=False)]

    def __init__(self, history: CardHistory, now: datetime) -> None:
        super().__init__()
        self.history, self.now = history, now

    def compose(self) -> ComposeResult:
        h = self.history
        with Vertical(id="history-box"):
            yield Static(Content.assemble(content(h.card.id, "bold"), "  ", content(h.card.where, "dim")), id="history-title")
            yield Static(content("now: " + current_line(h, self.now)), id="history-current")
            yield Static(content(demo_line(h)), id="history-demo")
            yield Static(content(how_line(h), "dim"), id="history-how")
            if h.rows:
                yield Static(content(LEGEND, "dim"), id="history-legend")
                yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        if not self.history.rows:
            return
        table = self.query_one("#history-table", DataTable)
        table.add_columns(*HEADINGS)
        for row in table_rows(self.history):  # rich Text: a DataTable parses plain str cells as markup
            table.add_row(*(literal(c, cell=True) for c in row))
        table.move_cursor(row=table.row_count - 1)  # the latest review
        table.focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """The table gets the rows the screen has left under the text (it scrolls inside them), so
        the box never runs off a small terminal and stays small when there are few reviews."""
        tables = self.query("#history-table")
        if not tables:
            return
        text = sum(w.outer_size.height for w in self.query("#history-box > Static"))
        tables.first().styles.max_height = max(3, self.size.height - text - 2 - 1)  # border, table margin

    def action_close(self) -> None:
        self.dismiss(None)
