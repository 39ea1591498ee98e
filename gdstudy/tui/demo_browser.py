"""All demos with their claims: pick one, set its parameters, run it. A title is cut (…) to the
terminal's width; the highlighted demo's claim is shown whole below the list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from gdstudy.errors import DemoError
from gdstudy.tui.footer import KeyFooter
from gdstudy.tui.header import Header

__all__ = ["DemoBrowserScreen"]


class DemoBrowserScreen(Screen[None]):
    DEFAULT_CSS = """
    #demo-list { height: 1fr; }
    #demo-claim { height: auto; min-height: 3; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("enter", "open", "Open demo"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, root: bool = False) -> None:
        super().__init__()
        self.root = root  # started as `gdstudy demo`: Esc quits
        self.claims: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        self._title_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="demo-list", cursor_type="row", zebra_stripes=True)
        yield Static(id="demo-claim")
        yield KeyFooter()

    def on_mount(self) -> None:
        from gdstudy.demo.registry import demo_names, load_demo

        self.sub_title = "demos"
        for name in demo_names():
            try:
                mod = load_demo(name)
            except DemoError as e:
                self.notify(str(e), severity="error")
                continue
            self.claims[name], self.titles[name] = mod.CLAIM, mod.TITLE
        self._fill()
        self.query_one(DataTable).focus()

    def _width(self) -> int:
        """Cells left for a title: the screen less the name column, the cells' padding and the scroll bar."""
        longest = max(map(len, self.titles), default=4)
        return max(20, self.app.size.width - longest - 2 * 2 - 2)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        self._title_width = width = self._width()
        table.clear(columns=True)
        table.add_columns("demo", "what it shows")
        for name, title in self.titles.items():
            cell = Text(title, no_wrap=True, end="")
            cell.truncate(width, overflow="ellipsis")
            table.add_row(name, cell, key=name)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def on_resize(self) -> None:
        if self.titles and self._width() != self._title_width:
            self._fill()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = str(event.row_key.value)
        claim = Text.assemble(("Claim", "bold"), f" ({name}): {self.claims.get(name, '')}")  # literal, not markup
        self.query_one("#demo-claim", Static).update(claim)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(str(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._open(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def _open(self, name: str) -> None:
        from gdstudy.tui.demo import DemoScreen

        try:
            self.app.push_screen(DemoScreen(name, autorun=False))
        except DemoError as e:
            self.notify(str(e), severity="error")

    def action_back(self) -> None:
        if self.root:
            self.app.exit()
        else:
            self.dismiss(None)
